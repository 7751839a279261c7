"""One FilterSet per model, shared by the web lists, the REST API, exports and dashboard drill-downs."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from accounts.models import Place
from core.filters import IntegerFilter, IsoDateTimeFilter, PortalFilterSet, PortalOrderingFilter
from core.scoping import VIEW

from .choices import LISTED_STAGES, EnterpriseStatus, ListingStage, ListingVenue, TitleStatus
from .models import (
    Enterprise,
    Industry,
    ListingRecord,
    RDInstitution,
    RDInstitutionLevel,
    Statistic,
    Tag,
    Tier,
    Title,
    gone_by,
    title_valid_on,
)

#: Flow figures a cohort ratio compares (``not_compared`` drill-down).
COMPARABLE_FIELDS = ("output_value", "revenue", "main_business_revenue", "profit", "rd_expense", "export_revenue")
#: ``not_compared``: figure, quarter and base year, e.g. ``output_value:2025Q2:2023`` (also the schema's pattern).
NOT_COMPARED_PATTERN = rf"^({'|'.join(COMPARABLE_FIELDS)}):\d{{4}}Q[1-4]:\d{{4}}$"


class ScopedFilterSetMixin:
    """Offers only the counties inside the requesting user's scope (and styles the form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        scope = getattr(user, "scope", None)
        if scope is not None and scope.county_id is not None and "county" in self.filters:
            self.filters["county"].queryset = Place.objects.filter(pk=scope.county_id)
        for field in self.form.fields.values():
            css = "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class EnterpriseFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    """Expects a queryset annotated by ``Enterprise.objects.with_current_tier()``.

    ``county`` is the county today, also with ``on``: a county's drill-down lists the enterprises
    the county holds today (the ones its official may open), while the goal figures count an
    enterprise in the county it was in on the date (``targets.compute``, ``county_on``). The two
    differ only by the enterprises moved between counties after ``on`` (their history is on each
    enterprise's page)."""

    q = django_filters.CharFilter(label=_("Name or credit code"), method="filter_q")
    county = django_filters.ModelChoiceFilter(
        label=_("County"), queryset=Place.objects.filter(level="county"), to_field_name="code"
    )
    tier = django_filters.ModelChoiceFilter(
        label=_("Current tier"),
        queryset=Tier.objects.all(),
        to_field_name="code",
        method="filter_tier",
        null_label=_("No valid title"),
        null_value="none",
    )
    industry = django_filters.ModelChoiceFilter(
        label=_("Industry"), queryset=Industry.objects.all(), to_field_name="code", method="filter_industry"
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Focus tag"), queryset=Tag.objects.all(), to_field_name="code", field_name="tags"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EnterpriseStatus.choices)
    credit_code = django_filters.CharFilter(label=_("Credit code"), field_name="credit_code", lookup_expr="iexact")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")
    # Drill-down filters used by the goals dashboard (targets app). ``on`` is the date the title
    # filters look at (default today); ``holds_tier``: a valid title of exactly that tier on it;
    # ``min_tier``: a valid title of that tier or higher; ``ever_tier``: ever recognised at that tier
    # by then (revoked titles excluded); ``has_rd``: an R&D institution of at least that level rank
    # (1 municipal, 2 provincial, 3 national); ``listed_since``: listed on an exchange since the date.
    on = django_filters.DateFilter(label=_("Titles as of"), method="filter_noop")
    holds_tier = django_filters.ModelChoiceFilter(
        label=_("Holds a valid title of"), queryset=Tier.objects.all(), to_field_name="code", method="filter_holds_tier"
    )
    min_tier = django_filters.ModelChoiceFilter(
        label=_("Holds a valid title of at least"),
        queryset=Tier.objects.all(),
        to_field_name="code",
        method="filter_min_tier",
    )
    ever_tier = django_filters.ModelChoiceFilter(
        label=_("Ever recognised as"), queryset=Tier.objects.all(), to_field_name="code", method="filter_ever_tier"
    )
    has_rd = IntegerFilter(
        label=_("Has an R&D institution of level rank at least"), method="filter_has_rd", min_value=1, max_value=3
    )
    listed_since = django_filters.DateFilter(label=_("Listed since"), method="filter_listed_since")
    listed_holding = django_filters.ModelChoiceFilter(
        label=_("Listed while holding a valid title of at least"),
        queryset=Tier.objects.all(),
        to_field_name="code",
        method="filter_listed_holding",
    )
    not_compared = django_filters.CharFilter(
        label=_("Figure not comparable"),
        method="filter_not_compared",
        validators=[
            RegexValidator(
                NOT_COMPARED_PATTERN,
                message=_("Give the figure, the quarter and the base year as output_value:2025Q2:2023."),
            )
        ],
    )
    ordering = PortalOrderingFilter(
        label=_("Sort by"),
        fields=(
            ("name", "name"),
            ("credit_code", "credit_code"),
            ("county__sort_order", "county"),
            ("current_tier_rank", "tier"),
            ("established_on", "established_on"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "name": _("Name"),
            "credit_code": _("Credit code"),
            "county__sort_order": _("County"),
            "current_tier_rank": _("Current tier"),
            "established_on": _("Established on"),
            "updated_at": _("Last updated"),
        },
    )

    DRILLDOWN_FILTERS = (
        "on",
        "holds_tier",
        "min_tier",
        "ever_tier",
        "has_rd",
        "listed_since",
        "listed_holding",
        "not_compared",
    )

    class Meta:
        model = Enterprise
        fields = [
            "q",
            "county",
            "tier",
            "industry",
            "tag",
            "status",
            "credit_code",
            "updated_since",
            "on",
            "holds_tier",
            "min_tier",
            "ever_tier",
            "has_rd",
            "listed_since",
            "listed_holding",
            "not_compared",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.DRILLDOWN_FILTERS:  # carried as hidden inputs, set by dashboard links
            self.filters[name].extra["widget"] = forms.HiddenInput

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper()))

    def filter_tier(self, queryset, name, value: str):  # type hint for the OpenAPI schema
        """The current tier (as ``with_current_tier()``, today) is ``value``: a valid title of that tier
        and none of a higher rank; ``none``: no valid title. Written as (anti-)semi-joins rather than
        on the annotated subquery, so PostgreSQL hashes the titles once instead of running the
        subquery for every enterprise (100k at province scale)."""
        valid = Title.objects.filter(title_valid_on(timezone.localdate()), enterprise=OuterRef("pk"))
        if value == "none":
            return queryset.filter(~Exists(valid))
        return queryset.filter(Exists(valid.filter(tier=value)), ~Exists(valid.filter(tier__rank__gt=value.rank)))

    def filter_industry(self, queryset, name, value):
        return queryset.filter(Q(industry=value) | Q(industry__parent=value))

    def _on(self):
        return self.form.cleaned_data.get("on") or timezone.localdate()

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_holds_tier(self, queryset, name, value: str):
        """As of ``on``: enterprises gone (deregistered, moved out) by then are left out, as in the goals."""
        titles = Title.objects.filter(title_valid_on(self._on()), tier=value, enterprise=OuterRef("pk"))
        return queryset.filter(Exists(titles)).exclude(pk__in=gone_by(self._on()))

    def filter_min_tier(self, queryset, name, value: str):
        titles = Title.objects.filter(title_valid_on(self._on()), tier__rank__gte=value.rank, enterprise=OuterRef("pk"))
        return queryset.filter(Exists(titles)).exclude(pk__in=gone_by(self._on()))

    def filter_ever_tier(self, queryset, name, value: str):
        on = self._on()
        titles = Title.objects.filter(tier=value, recognised_on__lte=on, enterprise=OuterRef("pk")).exclude(
            status=TitleStatus.REVOKED, ended_on__lte=on
        )
        return queryset.filter(Exists(titles))

    def filter_has_rd(self, queryset, name, value):
        rd = RDInstitution.objects.filter(
            level__rank__gte=value, recognised_year__lte=self._on().year, enterprise=OuterRef("pk")
        )
        return queryset.filter(Exists(rd))

    def filter_listed_since(self, queryset, name, value):
        """Listed between the date and ``on``; with ``listed_holding``, only while holding a valid
        title of that tier or higher on the listing date (the listings goal's rule)."""
        listed = ListingRecord.objects.filter(
            stage__in=LISTED_STAGES, date__gte=value, date__lte=self._on(), enterprise=OuterRef("pk")
        )
        tier = self.form.cleaned_data.get("listed_holding")
        if tier is not None:
            held = Title.objects.filter(
                title_valid_on(OuterRef("date")), tier__rank__gte=tier.rank, enterprise=OuterRef("enterprise_id")
            )
            listed = listed.filter(Exists(held))
        return queryset.filter(Exists(listed))

    def filter_listed_holding(self, queryset, name, value: str):  # type hint for the OpenAPI schema
        return queryset  # applied by ``listed_since``, whose listings it narrows

    @extend_schema_field({"type": "string", "pattern": NOT_COMPARED_PATTERN})
    def filter_not_compared(self, queryset, name, value: str):
        """``field:YYYYQn:base year``: enterprises that did not report ``field`` in that quarter or in
        the same quarter of the base year (those a like-for-like cohort ratio leaves out)."""
        field, period, base_year = value.split(":")
        year, quarter = int(period[:4]), int(period[5])
        reported = Statistic.objects.filter(enterprise=OuterRef("pk"), quarter=quarter, **{f"{field}__isnull": False})
        return queryset.exclude(Exists(reported.filter(year=year)) & Exists(reported.filter(year=int(base_year))))


class TitleFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        queryset=Place.objects.filter(level="county"),
        to_field_name="code",
        field_name="enterprise__county",
    )
    tier = django_filters.ModelChoiceFilter(label=_("Tier"), queryset=Tier.objects.all(), to_field_name="code")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TitleStatus.choices)
    recognised_from = django_filters.DateFilter(
        label=_("Recognised from"), field_name="recognised_on", lookup_expr="gte"
    )
    recognised_to = django_filters.DateFilter(label=_("Recognised to"), field_name="recognised_on", lookup_expr="lte")
    valid_until_before = django_filters.DateFilter(
        label=_("Valid until before"), field_name="valid_until", lookup_expr="lte"
    )
    credit_code = django_filters.CharFilter(
        label=_("Credit code"), field_name="enterprise__credit_code", lookup_expr="iexact"
    )
    enterprise = IntegerFilter(label=_("Enterprise id"), field_name="enterprise_id")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Title
        fields = [
            "county",
            "tier",
            "status",
            "recognised_from",
            "recognised_to",
            "valid_until_before",
            "credit_code",
            "enterprise",
            "updated_since",
        ]


class StatisticFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        queryset=Place.objects.filter(level="county"),
        to_field_name="code",
        field_name="enterprise__county",
    )
    year = IntegerFilter(label=_("Year"))
    quarter = IntegerFilter(label=_("Quarter"))
    credit_code = django_filters.CharFilter(
        label=_("Credit code"), field_name="enterprise__credit_code", lookup_expr="iexact"
    )
    enterprise = IntegerFilter(label=_("Enterprise id"), field_name="enterprise_id")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Statistic
        fields = ["county", "year", "quarter", "credit_code", "enterprise", "updated_since"]


class RDInstitutionFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        queryset=Place.objects.filter(level="county"),
        to_field_name="code",
        field_name="enterprise__county",
    )
    level = django_filters.ModelChoiceFilter(
        label=_("Type and level"), queryset=RDInstitutionLevel.objects.all(), to_field_name="code"
    )
    recognised_year = IntegerFilter(label=_("Year recognised"))
    credit_code = django_filters.CharFilter(
        label=_("Credit code"), field_name="enterprise__credit_code", lookup_expr="iexact"
    )
    enterprise = IntegerFilter(label=_("Enterprise id"), field_name="enterprise_id")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = RDInstitution
        fields = ["county", "level", "recognised_year", "credit_code", "enterprise", "updated_since"]


class ListingRecordFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        queryset=Place.objects.filter(level="county"),
        to_field_name="code",
        field_name="enterprise__county",
    )
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=ListingStage.choices)
    venue = django_filters.ChoiceFilter(label=_("Venue"), choices=ListingVenue.choices)
    date_from = django_filters.DateFilter(label=_("Date from"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("Date to"), field_name="date", lookup_expr="lte")
    credit_code = django_filters.CharFilter(
        label=_("Credit code"), field_name="enterprise__credit_code", lookup_expr="iexact"
    )
    enterprise = IntegerFilter(label=_("Enterprise id"), field_name="enterprise_id")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = ListingRecord
        fields = ["county", "stage", "venue", "date_from", "date_to", "credit_code", "enterprise", "updated_since"]


def enterprise_list_queryset(user, params, request=None) -> EnterpriseFilterSet:
    """The filtered enterprise list a user sees: shared by the list page, exports (also run as a job,
    where ``request`` is anything with the requester as ``user``) and drill-downs."""
    base = (
        Enterprise.objects.for_user(user, VIEW)
        .with_current_tier()
        .select_related("county", "industry")
        .prefetch_related("tags")
    )
    return EnterpriseFilterSet(params, queryset=base, request=request)

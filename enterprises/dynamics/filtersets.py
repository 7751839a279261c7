"""FilterSets of dynamic management, shared by the web lists and the read API (``api/``)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from core.filters import IntegerFilter, IsoDateTimeFilter, PortalFilterSet

from ..filtersets import ScopedFilterSetMixin
from ..models import ReserveEntry, ReserveStatus, ReviewOutcome, Tier, TitleReview


class ReserveEntryFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    """The recommendations (后备库推荐): by rung, batch year, status, county."""

    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        field_name="enterprise__county",
        queryset=Place.objects.filter(level="county"),
        to_field_name="code",
    )
    tier = django_filters.ModelChoiceFilter(
        label=_("Target tier"), field_name="target_tier", queryset=Tier.objects.all(), to_field_name="code"
    )
    year = IntegerFilter(label=_("Batch year"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReserveStatus.choices)
    enterprise = IntegerFilter(label=_("Enterprise id"), field_name="enterprise_id")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = ReserveEntry
        fields = ["county", "tier", "year", "status", "enterprise", "updated_since"]


class TitleReviewFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    """The reviews (复核) of titles: pending or decided, by rung, county and decision date."""

    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        field_name="title__enterprise__county",
        queryset=Place.objects.filter(level="county"),
        to_field_name="code",
    )
    tier = django_filters.ModelChoiceFilter(
        label=_("Tier"), field_name="title__tier", queryset=Tier.objects.all(), to_field_name="code"
    )
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=ReviewOutcome.choices)
    decided_from = django_filters.DateFilter(label=_("Decided from"), field_name="decided_on", lookup_expr="gte")
    decided_to = django_filters.DateFilter(label=_("Decided to"), field_name="decided_on", lookup_expr="lte")
    enterprise = IntegerFilter(label=_("Enterprise id"), field_name="title__enterprise_id")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = TitleReview
        fields = ["county", "tier", "outcome", "decided_from", "decided_to", "enterprise", "updated_since"]

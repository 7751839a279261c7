"""Enterprise pages: list, detail, create/edit, titles, statistics, R&D institutions, listings, ladder."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from accounts.models import Place
from core.paging import ids_first_page
from core.scoping import CHANGE, VIEW, scope_for
from core.views import ScopedObjectMixin, ServiceFormMixin, call_service

from . import services
from .filtersets import enterprise_list_queryset
from .forms import EnterpriseForm, ListingRecordForm, RDInstitutionForm, StatisticForm, TitleForm
from .models import Enterprise, ListingRecord, RDInstitution, Statistic, Tier, Title


class EnterpriseListView(ScopedObjectMixin, TemplateView):
    template_name = "enterprises/enterprise_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(Enterprise)  # 403 for roles without business access
        filterset = enterprise_list_queryset(self.request.user, self.request.GET, self.request)
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        if not self.request.GET.get("ordering"):
            qs = qs.order_by("county__sort_order", "name", "pk")
        page = ids_first_page(qs, self.paginate_by, self.request.GET.get("page"))
        tiers = {t.pk: t for t in Tier.objects.all()}
        for enterprise in page.object_list:
            enterprise.current_tier = tiers.get(enterprise.current_tier_id)
        context.update(
            filter=filterset,
            page_obj=page,
            enterprises=page.object_list,
            can_create=scope_for(self.request.user).may(CHANGE),
        )
        return context


#: Panels of apps above ``enterprises`` on the enterprise page: (template, context function of
#: (request, enterprise)), registered in their ``AppConfig.ready`` (no upward import).
DETAIL_PANELS: list[tuple[str, Callable]] = []


def register_detail_panel(template_name: str, context: Callable) -> None:
    if all(name != template_name for name, _fn in DETAIL_PANELS):
        DETAIL_PANELS.append((template_name, context))


class EnterpriseDetailView(ScopedObjectMixin, TemplateView):
    template_name = "enterprises/enterprise_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enterprise = self.scoped_get(Enterprise.objects.model, pk=self.kwargs["pk"])
        today = timezone.localdate()
        titles = list(enterprise.titles.select_related("tier").order_by("-recognised_on", "-tier__rank"))
        current = max((t for t in titles if t.is_valid_on(today)), key=lambda t: t.tier.rank, default=None)
        statistics = list(enterprise.statistics.order_by("-year", "-quarter"))
        context.update(
            enterprise=enterprise,
            titles=titles,
            current_title=current,
            statistics=statistics,
            statistics_chart=_statistics_chart(statistics),
            rd_institutions=list(enterprise.rd_institutions.select_related("level")),
            listing_records=list(enterprise.listing_records.all()),
            listing_entry=enterprise.listing_entries.filter(removed_on__isnull=True).first(),
            tags=list(enterprise.tags.all()),
            status_changes=list(enterprise.status_changes.order_by("-effective_on", "-id")),
            county_changes=list(
                enterprise.county_changes.select_related("from_county", "to_county").order_by("-effective_on", "-id")
            ),
            can_edit=scope_for(self.request.user).allows(CHANGE, enterprise.county_id),
            panels=[(name, fn(self.request, enterprise)) for name, fn in DETAIL_PANELS],
        )
        return context


def _statistics_chart(statistics) -> dict:
    """Series for the detail page's chart, oldest period first (numbers as floats for ECharts)."""
    rows = sorted(statistics, key=lambda s: (s.year, s.quarter))

    def values(field):
        return [float(getattr(s, field)) if getattr(s, field) is not None else None for s in rows]

    return {
        "unit": _("10k yuan"),
        "periods": [s.period_label for s in rows],
        "series": [
            {"name": _("Output"), "values": values("output_value")},
            {"name": _("Revenue"), "values": values("revenue")},
            {"name": _("Profit"), "values": values("profit")},
            {"name": _("R&D expense"), "values": values("rd_expense")},
        ],
    }


class ServiceFormView(ServiceFormMixin, ScopedObjectMixin, FormView):
    """A form whose valid data is saved through a service; service errors land on the form."""

    template_name = "enterprises/form.html"
    scoped_action = CHANGE
    heading = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        context["cancel_url"] = self.cancel_url()
        return context

    def cancel_url(self):
        return self.request.META.get("HTTP_REFERER", "/")


class EnterpriseCreateView(ServiceFormView):
    form_class = EnterpriseForm

    @property
    def heading(self):
        return _("New enterprise")

    def get_form_kwargs(self):
        self.scoped_queryset(Enterprise)  # 403 when the role may not write
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = Enterprise()
        return kwargs

    def perform(self, form):
        enterprise = form.save(commit=False)
        return services.enterprise_save(
            actor=self.request.user,
            enterprise=enterprise,
            tags=form.cleaned_data["tags"],
            status_effective_on=form.cleaned_data.get("status_effective_on"),
        )

    def service_success_url(self, obj):
        return obj.get_absolute_url()

    def cancel_url(self):
        return reverse("enterprises:list")


class EnterpriseUpdateView(EnterpriseCreateView):
    @property
    def heading(self):
        return _("Edit %(name)s") % {"name": self.enterprise.name}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.enterprise = self.scoped_get(Enterprise, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.enterprise
        return kwargs

    def perform(self, form):
        enterprise = form.save(commit=False)
        return services.enterprise_save(
            actor=self.request.user,
            enterprise=enterprise,
            tags=form.cleaned_data["tags"],
            expected_version=form.cleaned_data.get("version"),
            status_effective_on=form.cleaned_data.get("status_effective_on"),
            county_effective_on=form.cleaned_data.get("county_effective_on"),
        )

    def cancel_url(self):
        return self.enterprise.get_absolute_url()


class EnterpriseChildFormView(ServiceFormView):
    """Create or edit a record that belongs to an enterprise (title, statistics, …)."""

    model = None
    service = None
    service_kwarg = ""
    title_new = ""
    title_edit = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.enterprise = self.scoped_get(Enterprise, pk=kwargs["pk"])
            self.object = None
            if "child_pk" in kwargs:
                self.object = self.scoped_get(self.model, pk=kwargs["child_pk"], enterprise=self.enterprise)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object or self.model(enterprise=self.enterprise)
        return kwargs

    @property
    def heading(self):
        label = self.model._meta.verbose_name
        if self.object:
            return _("Edit %(what)s · %(name)s") % {"what": label, "name": self.enterprise.name}
        return _("Add %(what)s · %(name)s") % {"what": label, "name": self.enterprise.name}

    def perform(self, form):
        obj = form.save(commit=False)
        obj.enterprise = self.enterprise
        return type(self).service(
            actor=self.request.user, expected_version=form.cleaned_data.get("version"), **{self.service_kwarg: obj}
        )

    def service_success_url(self, obj):
        return self.enterprise.get_absolute_url()

    def cancel_url(self):
        return self.enterprise.get_absolute_url()


class TitleFormView(EnterpriseChildFormView):
    kind_slug = "titles"
    model = Title
    form_class = TitleForm
    service = staticmethod(services.title_save)
    service_kwarg = "title"


class StatisticFormView(EnterpriseChildFormView):
    kind_slug = "statistics"
    model = Statistic
    form_class = StatisticForm
    service = staticmethod(services.statistic_save)
    service_kwarg = "statistic"


class RDInstitutionFormView(EnterpriseChildFormView):
    kind_slug = "rd"
    model = RDInstitution
    form_class = RDInstitutionForm
    service = staticmethod(services.rd_institution_save)
    service_kwarg = "institution"


class ListingRecordFormView(EnterpriseChildFormView):
    kind_slug = "listings"
    model = ListingRecord
    form_class = ListingRecordForm
    service = staticmethod(services.listing_record_save)
    service_kwarg = "record"


class ChildDeleteView(ScopedObjectMixin, TemplateView):
    """POST-only deletion of a title, statistic, R&D institution or listing record."""

    http_method_names = ["post"]
    models = {"titles": Title, "statistics": Statistic, "rd": RDInstitution, "listings": ListingRecord}

    def post(self, request, pk, kind, child_pk):
        enterprise = self.scoped_get(Enterprise, CHANGE, pk=pk)
        model = self.models.get(kind)
        if model is None:
            from django.http import Http404

            raise Http404
        obj = self.scoped_get(model, CHANGE, pk=child_pk, enterprise=enterprise)
        call_service(
            request,
            lambda: services.record_delete(
                actor=request.user, instance=obj, expected_version=request.POST.get("version")
            ),
            success=_("Deleted."),
        )
        return redirect(enterprise)


class LadderView(ScopedObjectMixin, TemplateView):
    """Counts per tier per county: enterprises whose current (highest valid) tier is each rung, and
    enterprises holding a valid title of each rung (a national firm usually also holds provincial)."""

    template_name = "enterprises/ladder.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(Enterprise)
        date = self._date()
        scope = scope_for(self.request.user)
        counties = list(Place.objects.filter(level="county"))
        if scope.county_id is not None:
            counties = [c for c in counties if c.pk == scope.county_id]
        tiers = list(Tier.objects.order_by("-rank"))
        current, holding = Enterprise.objects.for_user(self.request.user, VIEW).tier_counts(date)
        rows = []
        for tier in tiers:
            cells = [(c, current.get((c.pk, tier.pk), 0), holding.get((c.pk, tier.pk), 0)) for c in counties]
            rows.append(
                {
                    "tier": tier,
                    "cells": cells,
                    "total_current": sum(x[1] for x in cells),
                    "total_holding": sum(x[2] for x in cells),
                }
            )
        no_title = [(c, current.get((c.pk, None), 0)) for c in counties]
        context.update(
            date=date, counties=counties, rows=rows, no_title=no_title, no_title_total=sum(x[1] for x in no_title)
        )
        return context

    def _date(self):
        import datetime as dt

        raw = self.request.GET.get("date")
        if raw:
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                messages.error(self.request, _("The date %(value)s is not a valid date (YYYY-MM-DD).") % {"value": raw})
        return timezone.localdate()


__all__ = [
    "EnterpriseListView",
    "EnterpriseDetailView",
    "EnterpriseCreateView",
    "EnterpriseUpdateView",
    "TitleFormView",
    "StatisticFormView",
    "RDInstitutionFormView",
    "ListingRecordFormView",
    "ChildDeleteView",
    "LadderView",
]

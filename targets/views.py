"""Goal dashboards: city overview, county view, indicator detail (trend, counties, reconciliation),
reported values, allocations and the "recompute now" run page. Numbers come from stored
snapshots only; every read of county data goes through ``for_user``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.models import Place
from core.jobs import JobStatusView
from core.scoping import scope_for
from core.views import ScopedObjectMixin, ServiceFormMixin, query_value
from enterprises.listings import selectors as listing_selectors

from . import selectors, services
from .choices import IndicatorKind, ProgressStatus
from .forms import AllocationForm, ManualValueForm
from .locks import is_locked
from .models import Allocation, Indicator, ManualValue, RecomputeRun


class ReadMixin(ScopedObjectMixin):
    """Logged in with business read access (403 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scope_for(request.user).read:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def county_or_404(self, code: str) -> Place:
        """A county the user may see: another county's dashboard answers 404."""
        place = get_object_or_404(Place, code=code, level="county")
        if not scope_for(self.request.user).allows("view", place.pk):
            raise Http404
        return place

    def indicator_or_404(self, code: str) -> Indicator:
        return get_object_or_404(Indicator.objects.select_related("lead_department", "plan"), code=code, is_active=True)

    def common(self, context):
        scope = scope_for(self.request.user)
        context.update(
            is_city_user=scope.county_id is None,
            can_allocate=scope.city_wide_write,
            can_recompute=services.may_recompute(self.request.user),
            counties=selectors.counties_for(self.request.user),
            running_run=services.latest_run(pending_only=True),
            status_choices=ProgressStatus,
        )
        return context


class DashboardView(ReadMixin, TemplateView):
    """City overview (city users); a county official is sent to her county's dashboard."""

    template_name = "targets/dashboard.html"

    def get(self, request, *args, **kwargs):
        county_id = scope_for(request.user).county_id
        if county_id is not None:
            place = get_object_or_404(Place, pk=county_id)
            return redirect("targets:county", code=place.code)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        snapshot = selectors.latest_snapshot()
        rows, county_rows = selectors.snapshot_table(snapshot, user=user)
        inds = [r.indicator for r in rows]
        chosen = self.request.GET.get("indicator")
        selected = next((i for i in inds if i.code == chosen), None) or next(
            (i for i in inds if i.kind != IndicatorKind.MANUAL), inds[0] if inds else None
        )
        context.update(
            snapshot=snapshot,
            rows=rows,
            selected=selected,
            comparison=county_rows.get(selected.code, []) if selected else [],
            map_data={
                "selected": selected.code if selected else "",
                "indicators": {i.code: {"name": i.short_name, "unit": i.unit, "decimals": i.decimals} for i in inds},
                "series": selectors.map_series_from(county_rows),
                "county_url": reverse("targets:county", args=["000000"]),
            },
        )
        return self.common(context)


class CountyDashboardView(ReadMixin, TemplateView):
    template_name = "targets/county.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        place = self.county_or_404(self.kwargs["code"])
        snapshot = selectors.latest_snapshot()
        context.update(
            county=place, snapshot=snapshot, rows=selectors.dashboard_rows(snapshot, place, user=self.request.user)
        )
        return self.common(context)


def listing_projection(indicator, user, place, row):
    """Beside the listings goal (an event count of listings): the pipeline's projection to its
    horizon, starting from the listings the snapshot counts now."""
    if indicator.kind != IndicatorKind.EVENT_COUNT or "listed" not in (indicator.params or {}).get("stages", []):
        return None
    return listing_selectors.projection(
        user,
        today=timezone.localdate(),
        county_id=place.pk if place is not None else None,
        listed=row.now if row is not None and row.now is not None else None,
    )


class IndicatorDetailView(ReadMixin, TemplateView):
    """One indicator: definition, milestones, trend by quarter, the counties side by side,
    reported values."""

    template_name = "targets/indicator.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        indicator = self.indicator_or_404(self.kwargs["code"])
        scope = scope_for(user)
        code = query_value(self.request, "county")
        place: Place | None
        if scope.county_id is not None:
            place = get_object_or_404(Place, pk=scope.county_id)
        else:
            place = self.county_or_404(code) if code else None
        snapshot = selectors.latest_snapshot(plan=indicator.plan)
        rows = [r for r in selectors.dashboard_rows(snapshot, place, user=user) if r.indicator.pk == indicator.pk]
        row = rows[0] if rows else None
        trend = selectors.trend(indicator, county=place, user=user)
        milestones = selectors.milestones_for(indicator, place, row)
        manual_values = []
        if indicator.kind == IndicatorKind.MANUAL:
            manual_values = list(
                ManualValue.objects.for_user(user)
                .filter(indicator=indicator)
                .select_related("county", "entered_by")[:50]
            )
        context.update(
            indicator=indicator,
            county=place,
            snapshot=snapshot,
            row=row,
            milestones=milestones,
            comparison=selectors.county_comparison(snapshot, indicator, user=user) if place is None else [],
            trend={
                "points": trend,
                "unit": indicator.unit,
                "name": indicator.short_name,
                "milestones": [
                    {"year": m["year"], "value": float(m["value"]) if m["value"] is not None else None}
                    for m in milestones
                ],
            },
            manual_values=manual_values,
            may_report=indicator.kind == IndicatorKind.MANUAL and services.may_report(user, indicator),
            projection=listing_projection(indicator, user, place, row),
            has_reconciliation=indicator.kind
            in (IndicatorKind.TITLE_COUNT_CUMULATIVE, IndicatorKind.TITLE_COUNT_VALID, IndicatorKind.COHORT_RATIO),
        )
        return self.common(context)


class ReconciliationView(ReadMixin, TemplateView):
    template_name = "targets/reconciliation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if scope_for(self.request.user).county_id is not None:
            raise Http404  # the declared baselines are city-wide
        indicator = self.indicator_or_404(self.kwargs["code"])
        rec = selectors.reconciliation(indicator, user=self.request.user)
        if rec is None:
            raise Http404
        context.update(indicator=indicator, rec=rec)
        return self.common(context)


class ManualValueCreateView(ServiceFormMixin, ReadMixin, FormView):
    """Lead department users and city operators report a value with its evidence."""

    template_name = "targets/form.html"
    form_class = ManualValueForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.indicator = get_object_or_404(
                Indicator, code=kwargs["code"], is_active=True, kind=IndicatorKind.MANUAL
            )
            if not services.may_report(request.user, self.indicator):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    success_message = _lazy("The value was saved; the dashboards will be recomputed.")

    def perform(self, form):
        data = form.cleaned_data
        return services.manual_value_create(
            actor=self.request.user,
            indicator=self.indicator,
            value=data["value"],
            as_of=data["as_of"],
            evidence=data["evidence"],
            document_no=data.get("document_no", ""),
            county=data.get("county"),
        )

    def service_success_url(self, result):
        return reverse("targets:indicator", args=[self.indicator.code])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            heading=_("Report a value · %(name)s") % {"name": self.indicator.name},
            indicator=self.indicator,
            cancel_url=reverse("targets:indicator", args=[self.indicator.code]),
        )
        return context


class AllocationView(ServiceFormMixin, ReadMixin, FormView):
    """City operators split an indicator's target across the counties."""

    template_name = "targets/allocation.html"
    form_class = AllocationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not scope_for(request.user).city_wide_write:
                raise PermissionDenied
            self.indicator = get_object_or_404(Indicator, code=kwargs["code"], is_active=True)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["counties"] = services.counties()
        stored = Allocation.objects.filter(indicator=self.indicator)
        kwargs["initial_values"] = dict(stored.values_list("county_id", "target_value"))
        kwargs["initial_baselines"] = dict(stored.values_list("county_id", "baseline_value"))
        return kwargs

    success_message = _lazy("The county allocation was saved.")

    def perform(self, form):
        return services.allocation_save(
            actor=self.request.user, indicator=self.indicator, values=form.values(), baselines=form.baselines()
        )

    def service_error_field(self, field):
        return f"county_{field}"  # the service names a county by its code

    def service_success_url(self, result):
        return reverse("targets:indicator", args=[self.indicator.code])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = selectors.allocation_summary(self.indicator)
        context.update(
            indicator=self.indicator,
            summary=summary,
            rows=[
                (place, target, baseline, row)
                for (place, target, baseline), row in zip(context["form"].rows(), summary.rows, strict=True)
            ],
            cancel_url=reverse("targets:indicator", args=[self.indicator.code]),
        )
        return context


class RecomputeView(ReadMixin, View):
    """POST: queue a recompute (after commit) and show its progress."""

    http_method_names = ["post"]

    def post(self, request):
        if not services.may_recompute(request.user):
            raise PermissionDenied
        run, created = services.run_request(actor=request.user)
        if not created:
            messages.info(request, _("A recompute is already under way; here is its progress."))
        return redirect("targets:run", pk=run.pk)


class RunDetailView(ReadMixin, TemplateView):
    template_name = "targets/run.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run"] = get_object_or_404(RecomputeRun, pk=self.kwargs["pk"])
        context["run"].fail_if_stale()
        return context


class RunStatusView(ReadMixin, JobStatusView):
    def get_job(self, request, pk):
        return get_object_or_404(RecomputeRun, pk=pk)

    def status_extra(self, job):
        return {"locked": is_locked()}

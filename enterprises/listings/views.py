"""Pages of the listing pipeline under ``/enterprises/listings/``: the reserve list with the funnel
and the projection, proposals from the entry conditions, one entry (stage, records, actions,
conditions) and its forms.

Reads through ``selectors`` (scoped), writes through ``services``. Writers: the city operator,
county officials (their county) and users of the departments leading the listing goal (市金融局,
city-wide; ``policy``). Another county's entry answers 404, a role that may not write 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from accounts.choices import Role
from core.scoping import CHANGE, VIEW, scope_for
from core.views import ScopedObjectMixin, ServiceFormMixin, query_value

from ..choices import ListingStage, ListingVenue
from ..models import Enterprise, ListingRecord
from . import policy, selectors, services
from .choices import PATH
from .filtersets import PipelineFilterSet
from .forms import ActionForm, EntryForm, StepForm
from .models import ListingAction, ListingReserveEntry

LIST_LIMIT = 300


class ReadMixin(ScopedObjectMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scope_for(request.user).read:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PipelineView(ReadMixin, TemplateView):
    """上市后备企业库: funnel, projection to the horizon and the list of enterprises with their stage."""

    template_name = "enterprises/listings/pipeline.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        filterset = PipelineFilterSet(
            self.request.GET or None, queryset=Enterprise.objects.none(), request=self.request
        )
        data = filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
        county = data.get("county")
        prog = selectors.programme()
        county_id = county.pk if county else None
        all_rows = selectors.pipeline(user, today=today, county_id=county_id, prog=prog)
        venue, stage, q = data.get("venue") or "", data.get("stage") or "", data.get("q") or ""
        rows = (
            selectors.pipeline(user, today=today, county_id=county_id, venue=venue, stage=stage, q=q, prog=prog)
            if venue or stage or q
            else all_rows
        )
        funnel = selectors.funnel_of(all_rows)
        context.update(
            filterset=filterset,
            rows=rows[:LIST_LIMIT],
            total=len(rows),
            limit=LIST_LIMIT,
            funnel=funnel,
            stage_counts=[(selectors.stage_label(s), funnel.by_stage.get(s, 0)) for s in _stage_order()],
            venue_counts=[
                (label, funnel.by_venue[value]) for value, label in ListingVenue.choices if value in funnel.by_venue
            ],
            county_counts=sorted(funnel.by_county.items()),
            steps=[
                {
                    "stage": ListingStage(f.stage).label,
                    "next": ListingStage(f.next_stage).label,
                    "figures": f,
                }
                for f in funnel.steps
            ],
            projection=selectors.projection_of(all_rows, prog, today=today) if prog is not None else None,
            programme=prog,
            may_write=policy.may(user, CHANGE),
            # the listing-record import (kind ``listing_records``): the city operator, a county official her county
            can_import=getattr(user, "role", None) in (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL)
            and scope_for(user).may(CHANGE),
            today=today,
        )
        return context


def _stage_order():
    from .choices import NOT_STARTED

    return [NOT_STARTED, *[s.value for s in PATH], ListingStage.WITHDRAWN.value]


class ProposalsView(ReadMixin, TemplateView):
    """Enterprises proposed from a venue's entry conditions (met or unknown), with the figures."""

    template_name = "enterprises/listings/proposals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        venues = [(v, label) for v, label in ListingVenue.choices if selectors_has_conditions(v, today)]
        venue = query_value(self.request, "venue") or (venues[0][0] if venues else "")
        if venue not in dict(venues):
            venue = venues[0][0] if venues else ""
        rows, spec = selectors.proposals(self.request.user, venue=venue, date=today) if venue else ([], None)
        context.update(
            venues=venues,
            venue=venue,
            rows=rows,
            spec=spec,
            today=today,
            may_write=policy.may(self.request.user, CHANGE),
        )
        return context


def selectors_has_conditions(venue: str, date) -> bool:
    from ..models import CriteriaSet

    return CriteriaSet.objects.in_force(date).filter(venue=venue).exists()


class WriteMixin(ScopedObjectMixin):
    kwargs: dict[str, Any]  # set by the view class this mixin is combined with

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy.may(request.user, CHANGE):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def entry(self, action=CHANGE) -> ListingReserveEntry:
        return get_object_or_404(
            ListingReserveEntry.objects.for_user(self.request.user, action).select_related("enterprise__county"),
            pk=self.kwargs["pk"],
        )


class EntryCreateView(WriteMixin, ServiceFormMixin, FormView):
    template_name = "enterprises/listings/form.html"
    form_class = EntryForm
    success_message = gettext_lazy("Added to the listing reserve list.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        keyword = policy.county_filter(self.request.user, CHANGE) or {}
        enterprises = Enterprise.objects.all()
        if keyword:
            enterprises = enterprises.filter(county_id=keyword["county_id"])
        kwargs["enterprises"] = enterprises
        kwargs["instance"] = ListingReserveEntry()
        enterprise = query_value(self.request, "enterprise")
        venue = query_value(self.request, "venue")
        initial = kwargs.setdefault("initial", {})
        if enterprise and enterprise.isdigit():
            initial["enterprise"] = int(enterprise)
        if venue in ListingVenue.values:
            initial["target_venue"] = venue
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=_("Add to the listing reserve list"), cancel_url=reverse("enterprises:listings"))
        return context

    def perform(self, form):
        entry = form.save(commit=False)
        if self.request.GET.get("proposed") == "1":
            entry.source = "rules"
        return services.entry_save(actor=self.request.user, entry=entry)

    def service_success_url(self, result):
        return reverse("enterprises:listing_entry", args=[result.pk])


class EntryUpdateView(WriteMixin, ServiceFormMixin, FormView):
    template_name = "enterprises/listings/form.html"
    form_class = EntryForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.entry()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = context["form"].instance
        context.update(
            heading=_("Edit the reserve entry of %(name)s") % {"name": entry.enterprise.name},
            cancel_url=reverse("enterprises:listing_entry", args=[entry.pk]),
        )
        return context

    def perform(self, form):
        entry = form.save(commit=False)
        return services.entry_save(
            actor=self.request.user, entry=entry, expected_version=form.cleaned_data.get("version")
        )

    def service_success_url(self, result):
        return reverse("enterprises:listing_entry", args=[result.pk])


class EntryDetailView(ReadMixin, TemplateView):
    template_name = "enterprises/listings/entry.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        entry = get_object_or_404(
            ListingReserveEntry.objects.for_user(user, VIEW).select_related("enterprise__county", "criteria_set"),
            pk=self.kwargs["pk"],
        )
        today = timezone.localdate()
        rows = [
            r
            for r in selectors.pipeline(user, today=today, county_id=entry.enterprise.county_id)
            if r.enterprise.pk == entry.enterprise_id
        ]
        context.update(
            entry=entry,
            row=rows[0] if rows else None,
            records=list(selectors.records_of(user, entry.enterprise)),
            actions=list(selectors.actions_of(user, entry)),
            result=selectors.conditions(entry.enterprise, venue=entry.target_venue, date=today),
            may_write=policy.may(user, CHANGE)
            and ListingReserveEntry.objects.for_user(user, CHANGE).filter(pk=entry.pk).exists(),
        )
        return context


class _ChildFormView(WriteMixin, ServiceFormMixin, FormView):
    template_name = "enterprises/listings/form.html"
    heading: Any = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.entry()
        context.update(
            heading=f"{entry.enterprise.name} · {self.heading}",
            cancel_url=reverse("enterprises:listing_entry", args=[entry.pk]),
        )
        return context

    def service_success_url(self, result):
        return reverse("enterprises:listing_entry", args=[self.kwargs["pk"]])


class StepCreateView(_ChildFormView):
    form_class = StepForm
    heading = gettext_lazy("Record a listing step")
    success_message = gettext_lazy("Listing step recorded.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = ListingRecord(enterprise=self.entry().enterprise)
        return kwargs

    def perform(self, form):
        return services.record_step(actor=self.request.user, record=form.save(commit=False))


class ActionCreateView(_ChildFormView):
    form_class = ActionForm
    heading = gettext_lazy("Record an action")
    success_message = gettext_lazy("Action recorded.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = ListingAction(entry=self.entry())
        return kwargs

    def perform(self, form):
        return services.action_save(actor=self.request.user, action=form.save(commit=False))

"""Pages of dynamic management under ``/enterprises/dynamics/``: the review calendar (到期与复核),
review and revocation forms, the reserve pool (后备库) with pre-checks, reserve entries and their
tracking, one enterprise's pre-check, and the criteria sets.

Views stay thin: reads through ``selectors_dynamics`` (scoped by ``for_user``), writes through
``dynamics_services``. Objects outside the user's county answer 404, roles that may not write 403.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from core.counting import CountCachingPaginator, cached_count
from core.paging import ids_first_page
from core.scoping import CHANGE, VIEW, scope_for
from core.views import ScopedObjectMixin, ServiceFormMixin, call_service, query_value

from ..models import (
    CriteriaSet,
    Criterion,
    DynamicsAlert,
    Enterprise,
    ReserveEntry,
    ReserveStatus,
    ReviewOutcome,
    Tier,
    Title,
    TitleReview,
)
from . import selectors, services
from .filtersets import ReserveEntryFilterSet
from .forms import AdvanceForm, CriterionForm, RecommendForm, ReviewForm, RevocationForm
from .precheck import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN

LIST_PAGE = 20  # rows per page of each calendar list (five lists on one page, each paged on its own)
MISSED_SET = 5000  # up to this many enterprises that missed the deadline are found as a set first
POOL_PAGE = 20  # rows per page of the reserve pool (each explained by the Python pre-check)


DATE_RANGE = (dt.date(1990, 1, 1), dt.date(2099, 12, 31))  # the windows and deadlines around it stay dates


def parse_date(request, name: str = "date") -> dt.date:
    raw = request.GET.get(name)
    if raw:
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("The date %(value)s is not a valid date (YYYY-MM-DD).") % {"value": raw})
        else:
            if DATE_RANGE[0] <= value <= DATE_RANGE[1]:
                return value
            messages.error(
                request,
                _("The date %(value)s is out of range (%(first)s to %(last)s).")
                % {"value": raw, "first": DATE_RANGE[0], "last": DATE_RANGE[1]},
            )
    return timezone.localdate()


def parse_int(request, name: str, default: int, allowed=None) -> int:
    try:
        value = int(request.GET.get(name, default))
    except (TypeError, ValueError):
        return default
    if allowed is not None and value not in allowed:
        return default
    return value


def _paged(request, qs, name: str, *, small_set: int = 0):
    """The page of ``qs`` asked for by ``<name>_page`` (``LIST_PAGE`` rows; a count and a slice;
    ``small_set``: see ``core.paging.IdsFirstPaginator``)."""
    return ids_first_page(qs, LIST_PAGE, request.GET.get(f"{name}_page"), small_set=small_set)


class CalendarView(ScopedObjectMixin, TemplateView):
    """到期与复核: expiring titles (90/180 days), pending reviews and outcomes, titles lost, and the
    enterprises that missed the yearly data-update deadline."""

    template_name = "enterprises/dynamics/calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(Title)  # 403 for roles without business access
        user = self.request.user
        date = parse_date(self.request)
        window = parse_int(self.request, "window", 90, allowed=selectors.EXPIRY_WINDOWS)
        request = self.request
        pages = {
            "expiring": _paged(request, selectors.expiring_titles(user, date=date, days=window), "expiring"),
            "pending": _paged(request, selectors.pending_reviews(user), "pending"),
            "outcomes": _paged(request, selectors.review_outcomes(user, date=date), "outcomes"),
            "lost": _paged(request, selectors.lost_titles(user, date=date), "lost"),
        }
        check = selectors.data_update_check(user, date=date)
        # a few enterprises out of all: found as a set, then sorted (core.paging, issue 17)
        pages["missed"] = _paged(request, check.missed, "missed", small_set=MISSED_SET)
        for title in pages["expiring"].object_list:
            title.days_left = (title.valid_until - date).days
        refreshed = DynamicsAlert.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True).first()
        context.update(
            date=date,
            window=window,
            windows=selectors.EXPIRY_WINDOWS,
            expiring=pages["expiring"].object_list,
            expiring_total=pages["expiring"].paginator.count,
            expiring_counts={
                days: pages["expiring"].paginator.count
                if days == window
                else cached_count(selectors.expiring_titles(user, date=date, days=days))
                for days in selectors.EXPIRY_WINDOWS
            },
            pending=pages["pending"].object_list,
            pending_total=pages["pending"].paginator.count,
            outcomes=pages["outcomes"].object_list,
            outcomes_total=pages["outcomes"].paginator.count,
            lost=pages["lost"].object_list,
            lost_total=pages["lost"].paginator.count,
            check=check,
            missed=pages["missed"].object_list,
            missed_total=pages["missed"].paginator.count,
            pages=pages,
            not_yet_total=cached_count(check.not_yet) if check.upcoming else 0,
            application_windows=selectors.upcoming_windows(date=date),
            alerts_refreshed_at=refreshed,
            can_edit=scope_for(user).may(CHANGE),
        )
        return context


class TitleActionView(ServiceFormMixin, ScopedObjectMixin, FormView):
    """Base of the review and revocation forms: the title is fetched for CHANGE in the user's scope."""

    template_name = "enterprises/dynamics/title_form.html"
    scoped_action = CHANGE

    def heading(self) -> str:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.title = self.scoped_get(Title.objects.model, CHANGE, pk=kwargs["title_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"version": self.title.version}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.title,
            heading=self.heading(),
            cancel_url=reverse("enterprises:dynamics_calendar"),
            reviews=list(self.title.reviews.order_by("-started_on", "-id")),
        )
        return context

    def service_success_url(self, result):
        return reverse("enterprises:dynamics_calendar")


class ReviewFormView(TitleActionView):
    form_class = ReviewForm

    def heading(self):
        return _("Record a review · %(title)s") % {"title": self.title}

    def get_initial(self):
        initial = super().get_initial()
        pending = self.title.reviews.filter(outcome=ReviewOutcome.PENDING).first()
        initial["outcome"] = ReviewOutcome.PASSED if pending else ReviewOutcome.PENDING
        return initial

    def perform(self, form):
        data = form.cleaned_data
        services.review_record(
            actor=self.request.user,
            title=self.title,
            outcome=data["outcome"],
            started_on=data.get("started_on"),
            decided_on=data.get("decided_on"),
            document_no=data.get("document_no", ""),
            note=data.get("note", ""),
            expected_version=data.get("version"),
        )


class RevokeFormView(TitleActionView):
    form_class = RevocationForm

    def heading(self):
        return _("Revoke a title · %(title)s") % {"title": self.title}

    def perform(self, form):
        data = form.cleaned_data
        services.title_revoke(
            actor=self.request.user,
            title=self.title,
            ground=data["ground"],
            revoked_on=data["revoked_on"],
            document_no=data.get("document_no", ""),
            note=data.get("note", ""),
            expected_version=data.get("version"),
        )


def _tier_from(request, default_code: str = "provincial") -> Tier:
    code = query_value(request, "tier") or query_value(request, "tier", request.POST) or default_code
    tier = Tier.objects.filter(code=code).first()
    tier = tier or Tier.objects.filter(code=default_code).first() or Tier.objects.order_by("rank").first()
    if tier is None:  # no tiers loaded (the reference data defines them)
        raise Http404
    return tier


class ReservePoolView(ScopedObjectMixin, TemplateView):
    """后备库: candidates for a target rung with their pre-check, and their recommendation."""

    template_name = "enterprises/dynamics/reserve_pool.html"
    RESULTS = (ELIGIBLE, UNKNOWN, NOT_ELIGIBLE, "all")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(Enterprise)
        user = self.request.user
        date = parse_date(self.request)
        tier = _tier_from(self.request)
        year = parse_int(self.request, "year", date.year, allowed=range(date.year - 3, date.year + 2))
        result = self.request.GET.get("result") or ELIGIBLE
        if result not in self.RESULTS:
            result = ELIGIBLE
        open_only = self.request.GET.get("open") == "1"
        counts: dict[str, int] = {}
        verdicts: list | QuerySet = []
        computed_at = None
        # Today, with the verdicts precomputed (``services.reserve_verdicts_refresh``): counts by
        # one GROUP BY, the page by ORDER BY … LIMIT; the Python explanation only for the rows shown.
        stored = selectors.stored_pool(user, tier=tier, date=date)
        if stored is not None:
            pool: selectors.Pool | None = stored.pool
            computed_at = stored.computed_at
            rows_qs = stored.rows
            if open_only:  # not yet recommended for this batch year
                rows_qs = selectors.not_entered(rows_qs, tier=tier, year=year)
            counts = selectors.verdict_counts(rows_qs)
            counts["all"] = sum(counts.values())
            if result != "all":
                rows_qs = rows_qs.filter(status_order=selectors.STATUS_ORDER[result])
            verdicts = rows_qs
        else:
            # Another date, or not precomputed yet: every candidate's verdict in one statement.
            pool = selectors.reserve_pool_verdicts(user, tier=tier, date=date)
        if stored is None and pool is not None:
            verdicts = pool.verdicts
            if open_only:  # not yet recommended for this batch year
                entered = selectors.entered_ids(tier, year)
                verdicts = [v for v in verdicts if v.enterprise_id not in entered]
            for key in (ELIGIBLE, UNKNOWN, NOT_ELIGIBLE):
                counts[key] = sum(1 for v in verdicts if v.status == key)
            counts["all"] = len(verdicts)
            if result != "all":
                verdicts = [v for v in verdicts if v.status == result]
        paginator = Paginator(verdicts, POOL_PAGE)
        if stored is not None:  # the count is known: no second COUNT query
            paginator.count = counts[result]
        page = paginator.get_page(self.request.GET.get("page"))
        rows = selectors.explain_pool(pool, list(page.object_list), year=year) if pool is not None else []
        context.update(
            date=date,
            tier=tier,
            tiers=list(Tier.objects.order_by("rank")),
            year=year,
            years=list(range(date.year - 1, date.year + 2)),
            result=result,
            counts=counts,
            results=[
                (ELIGIBLE, _("Eligible")),
                (UNKNOWN, _("Undetermined")),
                (NOT_ELIGIBLE, _("Not eligible")),
                ("all", _("All candidates")),
            ],
            criteria_set=pool.spec if pool is not None else None,  # name, source, verified
            no_criteria=pool is None,
            open_only=open_only,
            computed_at=computed_at,
            page_obj=page,
            rows=rows,
            can_recommend=scope_for(user).may(CHANGE)
            and year in (date.year, date.year + 1)
            and date == timezone.localdate(),
        )
        return context


class ReserveTodosView(ScopedObjectMixin, TemplateView):
    """The home page's reserve-pool to-dos (``enterprises.workbench.reserve_todos``) as an HTML
    fragment, fetched by the home page once shown: every rung's pool is pre-checked, which the
    home page should not wait for. Empty for roles without anything to do there."""

    template_name = "enterprises/dynamics/_reserve_todos.html"

    def get_context_data(self, **kwargs):
        from ..workbench import reserve_todos

        context = super().get_context_data(**kwargs)
        self.scoped_queryset(Enterprise)  # 403 for roles without business access
        user = self.request.user
        context["todos"] = reserve_todos(user, timezone.localdate()) if scope_for(user).write else []
        return context


class ReserveRecommendView(ScopedObjectMixin, View):
    """POST: recommend an enterprise of the pool for a rung and year."""

    http_method_names = ["post"]

    def post(self, request):
        form = RecommendForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The recommendation could not be read; reload the page and try again."))
            return redirect("enterprises:dynamics_reserve")
        enterprise = self.scoped_get(Enterprise, CHANGE, pk=form.cleaned_data["enterprise"])
        tier = get_object_or_404(Tier, code=form.cleaned_data["tier"])
        year = form.cleaned_data["year"]
        back = reverse("enterprises:dynamics_reserve") + f"?tier={tier.code}&year={year}"
        call_service(
            request,
            lambda: services.reserve_recommend(
                actor=request.user, enterprise=enterprise, tier=tier, year=year, note=form.cleaned_data["note"]
            ),
            success=_("%(name)s recommended for %(tier)s (%(year)s).")
            % {"name": enterprise.name, "tier": tier.short_name, "year": year},
            failure=lambda reason: (
                _("%(name)s was not recommended: %(reason)s") % {"name": enterprise.name, "reason": reason}
            ),
        )
        return redirect(back)


class ReserveEntryListView(ScopedObjectMixin, TemplateView):
    """The recommendations, filtered by ``ReserveEntryFilterSet`` (the API's too); the batch year is
    this year unless chosen. A parameter that does not validate is ignored, with a message."""

    template_name = "enterprises/dynamics/reserve_entries.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.scoped_queryset(ReserveEntry)
        today = timezone.localdate()
        data = self.request.GET.copy()
        if not data.get("year"):
            data["year"] = str(today.year)
        filterset = ReserveEntryFilterSet(
            data, queryset=selectors.reserve_entries(self.request.user), request=self.request
        )
        for name, errors in filterset.errors.items():  # invalid fields are left out of ``qs``
            messages.error(
                self.request,
                _("The parameter “%(name)s” was ignored: %(reason)s") % {"name": name, "reason": " ".join(errors)},
            )
        cleaned, qs = filterset.form.cleaned_data, filterset.qs
        if "year" not in cleaned:
            qs = qs.filter(year=today.year)
        page = CountCachingPaginator(qs, 50).get_page(self.request.GET.get("page"))
        context.update(
            tier=cleaned.get("tier"),
            tiers=list(Tier.objects.order_by("rank")),
            year=cleaned.get("year") or today.year,
            years=list(range(today.year - 2, today.year + 2)),
            status=cleaned.get("status") or "",
            statuses=ReserveStatus.choices,
            page_obj=page,
            entries=page.object_list,
            can_edit=scope_for(self.request.user).may(CHANGE),
        )
        return context


class ReserveAdvanceView(ServiceFormMixin, ScopedObjectMixin, FormView):
    template_name = "enterprises/dynamics/reserve_advance.html"
    form_class = AdvanceForm
    scoped_action = CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.entry = self.scoped_get(ReserveEntry, CHANGE, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["entry"] = self.entry
        return kwargs

    def get_initial(self):
        return {"on_date": timezone.localdate()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entry"] = self.entry
        return context

    def perform(self, form):
        data = form.cleaned_data
        services.reserve_advance(
            actor=self.request.user,
            entry=self.entry,
            status=data["status"],
            on_date=data["on_date"],
            document_no=data.get("document_no", ""),
            note=data.get("note", ""),
            expected_version=data.get("version"),
        )

    def service_success_url(self, result):
        return reverse("enterprises:dynamics_entries") + f"?year={self.entry.year}"


class PrecheckView(ScopedObjectMixin, TemplateView):
    """One enterprise against the criteria of a rung in force on a date, every criterion explained."""

    template_name = "enterprises/dynamics/precheck.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enterprise = self.scoped_get(Enterprise, VIEW, pk=self.kwargs["enterprise_pk"])
        date = parse_date(self.request)
        tier = _tier_from(self.request)
        result = selectors.precheck_enterprise(enterprise, tier=tier, date=date)
        context.update(
            enterprise=enterprise,
            date=date,
            tier=tier,
            tiers=list(Tier.objects.order_by("rank")),
            result=result,
            criteria_set=selectors.criteria_set_in_force(tier, date),
        )
        return context


class CriteriaListView(ScopedObjectMixin, TemplateView):
    template_name = "enterprises/dynamics/criteria.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not scope_for(self.request.user).read:
            raise PermissionDenied
        today = timezone.localdate()
        sets = CriteriaSet.objects.select_related("tier").prefetch_related("dimensions", "criteria__dimension")
        show_all = self.request.GET.get("all") == "1"
        ended = sets.filter(effective_to__isnull=False, effective_to__lte=today)
        ended_count = ended.count()
        if not show_all:  # the sets in force today and those to come; ended ones on request
            sets = sets.exclude(pk__in=ended.values("pk"))
        context.update(
            sets=list(sets),
            today=today,
            can_edit=scope_for(self.request.user).city_wide_write,
            show_all=show_all,
            ended_count=ended_count,
        )
        for cs in context["sets"]:
            cs.in_force_today = cs.effective_from <= today and (cs.effective_to is None or cs.effective_to > today)
            _label_groups(cs)
        return context


def _label_groups(criteria_set) -> None:
    """Name each criterion's group and option by their order in the set ("条件组 1 · 情形 2"), never
    by their internal codes (``scale``, ``rd-intensity/mid``)."""
    groups: dict[str, int] = {}
    options: dict[tuple[str, str], int] = {}
    for c in criteria_set.criteria.all():
        c.group_label = ""
        if not c.group:
            continue
        number = groups.setdefault(c.group, len(groups) + 1)
        c.group_label = _("condition group %(n)d") % {"n": number}
        if c.option:
            in_group = sum(1 for g, _o in options if g == c.group)
            option = options.setdefault((c.group, c.option), in_group + 1)
            c.group_label += " · " + _("case %(n)d") % {"n": option}


class CriterionEditView(ServiceFormMixin, ScopedObjectMixin, FormView):
    template_name = "enterprises/form.html"
    form_class = CriterionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not scope_for(request.user).city_wide_write:
                raise PermissionDenied
            self.criterion = get_object_or_404(Criterion.objects.select_related("criteria_set"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.criterion
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            heading=_("Edit criterion · %(name)s") % {"name": self.criterion},
            cancel_url=reverse("enterprises:dynamics_criteria"),
        )
        return context

    def perform(self, form):
        return services.criterion_save(actor=self.request.user, criterion=form.save(commit=False))

    def service_success_url(self, result):
        return reverse("enterprises:dynamics_criteria") + f"#set-{self.criterion.criteria_set.code}"


__all__ = [
    "CalendarView",
    "CriteriaListView",
    "CriterionEditView",
    "PrecheckView",
    "ReserveAdvanceView",
    "ReserveEntryListView",
    "ReservePoolView",
    "ReserveRecommendView",
    "ReserveTodosView",
    "ReviewFormView",
    "RevokeFormView",
    "TitleReview",
]

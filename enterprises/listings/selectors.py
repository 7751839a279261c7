"""Reads of the listing pipeline. Every read is scoped (``for_user``; ``user_or_none=None`` reads
every county, for system jobs and the goal page's city figures). A fixed number of queries
whatever the number of enterprises (no query per row)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from core.scoping import VIEW

from ..choices import EnterpriseStatus, ListingStage, ListingVenue
from ..dynamics import selectors as dynamics_selectors
from ..dynamics.precheck import PrecheckResult, precheck
from ..models import Enterprise, ListingRecord, Title, title_valid_on
from .choices import NOT_STARTED, PATH
from .models import ListingAction, ListingProgramme, ListingReserveEntry, ListingStageRule
from .pipeline import Assumption, Funnel, Projection, Row, Step, derive, funnel, project


def _scoped(model, user_or_none, action=VIEW):
    return model.objects.all() if user_or_none is None else model.objects.for_user(user_or_none, action)


def programme() -> ListingProgramme | None:
    return ListingProgramme.objects.select_related("min_tier").order_by("code").first()


@dataclass
class PipelineRow:
    """One enterprise of the pipeline for the pages and the API."""

    enterprise: Enterprise
    entry: ListingReserveEntry | None
    row: Row

    @property
    def state(self):
        return self.row.state

    @property
    def stage_label(self) -> str:
        return stage_label(self.row.state.stage)

    @property
    def venue(self) -> str:
        return self.row.venue

    @property
    def venue_label(self) -> str:
        return str(ListingVenue(self.row.venue).label) if self.row.venue else ""


def stage_label(stage: str) -> str:
    from django.utils.translation import gettext as _

    if stage == NOT_STARTED:
        return _("Not started")
    return str(ListingStage(stage).label)


def pipeline(
    user_or_none,
    *,
    today: dt.date,
    county_id: int | None = None,
    venue: str = "",
    stage: str = "",
    q: str = "",
    prog: ListingProgramme | None = None,
) -> list[PipelineRow]:
    """Every enterprise in scope on the reserve list (not removed) or with a listing record, with
    its state derived from the records as of ``today``. Five queries (four given ``prog``, the
    listing programme)."""
    prog = prog if prog is not None else programme()
    entries = {
        e.enterprise_id: e
        for e in _scoped(ListingReserveEntry, user_or_none)
        .filter(removed_on__isnull=True)
        .select_related("criteria_set")
    }
    records = defaultdict(list)
    for r in (
        _scoped(ListingRecord, user_or_none)
        .filter(date__lte=today)
        .values_list("enterprise_id", "stage", "venue", "date")
    ):
        records[r[0]].append(Step(r[1], r[2], r[3]))
    ids = set(entries) | set(records)
    enterprises = _scoped(Enterprise, user_or_none).filter(pk__in=ids).select_related("county")
    if county_id:
        enterprises = enterprises.filter(county_id=county_id)
    if q:
        enterprises = enterprises.filter(Q(name__icontains=q) | Q(credit_code__icontains=q))
    enterprises = list(enterprises.order_by("name"))
    qualifying = set()
    if prog is not None:
        qualifying = set(
            Title.objects.filter(
                title_valid_on(today), enterprise_id__in=[e.pk for e in enterprises], tier__rank__gte=prog.min_tier.rank
            ).values_list("enterprise_id", flat=True)
        )
    rows = []
    for e in enterprises:
        steps = tuple(records.get(e.pk, ()))
        state = derive(steps, today)
        entry = entries.get(e.pk)
        current_venue = state.venue or (entry.target_venue if entry else "")
        row = Row(
            key=e.pk,
            county=e.county.name,
            venue=current_venue,
            steps=steps,
            state=state,
            counts_toward_goal=e.pk in qualifying or prog is None,
            label=e.name,
        )
        if venue and current_venue != venue:
            continue
        if stage and state.stage != stage:
            continue
        rows.append(PipelineRow(e, entry, row))
    return rows


def funnel_of(rows: list[PipelineRow]) -> Funnel:
    return funnel([r.row for r in rows])


def assumptions(prog: ListingProgramme | None) -> dict[str, Assumption]:
    if prog is None:
        return {}
    return {
        r.stage: Assumption(r.stage, r.listing_rate, r.days_to_listing)
        for r in ListingStageRule.objects.filter(programme=prog)
    }


def projection(
    user_or_none, *, today: dt.date, county_id: int | None = None, listed: Decimal | int | None = None
) -> Projection | None:
    """The projection to the programme's horizon. ``listed``: the listings already counted towards
    the goal (the goal page passes its snapshot's value); None counts the pipeline's own listings
    since the programme's start among enterprises counting towards the goal."""
    prog = programme()
    if prog is None:
        return None
    rows = pipeline(user_or_none, today=today, county_id=county_id, prog=prog)
    return projection_of(rows, prog, today=today, listed=listed)


def projection_of(
    rows: list[PipelineRow], prog: ListingProgramme, *, today: dt.date, listed: Decimal | int | None = None
) -> Projection:
    """The projection from pipeline rows already read (one query: the stage assumptions)."""
    if listed is None:
        listed = sum(
            1
            for r in rows
            if r.state.listed_on is not None and prog.start <= r.state.listed_on <= today and r.row.counts_toward_goal
        )
    result = project([r.row for r in rows], assumptions(prog), horizon=prog.horizon, listed=listed)
    result.stage_counts = stage_counts(result)
    return result


def stage_counts(projection: Projection) -> list[tuple[str, int]]:
    """The pipeline by stage in road order, with the labels shown (stages with enterprises only)."""
    order = [NOT_STARTED, *[s.value for s in PATH], ListingStage.WITHDRAWN.value]
    return [(stage_label(s), projection.by_stage[s]) for s in order if projection.by_stage.get(s)]


def entry_detail(user, pk: int) -> ListingReserveEntry | None:
    return (
        ListingReserveEntry.objects.for_user(user, VIEW)
        .select_related("enterprise__county", "criteria_set")
        .filter(pk=pk)
        .first()
    )


def actions_of(user, entry: ListingReserveEntry):
    return ListingAction.objects.for_user(user, VIEW).filter(entry=entry).order_by("-date", "-id")


def records_of(user, enterprise: Enterprise):
    return ListingRecord.objects.for_user(user, VIEW).filter(enterprise=enterprise).order_by("date", "id")


def conditions(enterprise: Enterprise, *, venue: str, date: dt.date) -> PrecheckResult | None:
    """The venue's entry conditions in force on ``date`` for one enterprise (met / missed / unknown
    with the figures), or None when the venue has none."""
    spec = dynamics_selectors.venue_criteria_spec(venue, date)
    if spec is None:
        return None
    records = dynamics_selectors.load_records([enterprise], date=date, target=None)[enterprise.pk]
    return precheck(records, spec, date)


@dataclass
class Proposal:
    enterprise: Enterprise
    result: PrecheckResult


STATUS_ORDER = {"eligible": 0, "unknown": 1, "not_eligible": 2}


def proposals(user, *, venue: str, date: dt.date, limit: int = 200) -> tuple[list[Proposal], object]:
    """Operating enterprises in scope, not on the reserve list, holding a title of the programme's
    lowest counting tier or above, checked against the venue's entry conditions: met or unknown
    first. Returns (rows, criteria spec or None)."""
    spec = dynamics_selectors.venue_criteria_spec(venue, date)
    prog = programme()
    if spec is None:
        return [], None
    on_list = ListingReserveEntry.objects.filter(removed_on__isnull=True).values("enterprise_id")
    qs = (
        _scoped(Enterprise, user)
        .filter(status=EnterpriseStatus.OPERATING)
        .exclude(pk__in=on_list)
        .select_related("county")
    )
    if prog is not None:
        qs = qs.filter(
            pk__in=Title.objects.filter(title_valid_on(date), tier__rank__gte=prog.min_tier.rank).values(
                "enterprise_id"
            )
        )
    enterprises = list(qs.order_by("name"))
    records = dynamics_selectors.load_records(enterprises, date=date, target=None)
    rows = [Proposal(e, precheck(records[e.pk], spec, date)) for e in enterprises]
    rows = [r for r in rows if r.result.status != "not_eligible"]
    rows.sort(key=lambda r: (STATUS_ORDER[r.result.status], r.enterprise.name))
    return rows[:limit], spec

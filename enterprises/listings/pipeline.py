"""The listing pipeline worked out from records, free of database access (so tests can follow it
by hand).

* ``derive(steps, today)``: an enterprise's current stage from its listing records (辅导备案 →
  申报受理 → 审核通过 → 注册生效 → 上市, or 撤回; a filing after a withdrawal starts a new attempt),
  the date it entered that stage, the days since, the venue, and 挂牌 on a regional board kept
  apart (it is not a step towards 上市).
* ``funnel(rows)``: counts by stage, venue and county; per step of the road the enterprises that
  reached it, the conversion to the next step and the median days between them.
* ``project(rows, assumptions, horizon, listed)``: listings expected by the horizon from the
  enterprises now at 申报受理 or later.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..choices import ListingStage
from .choices import NOT_STARTED, PATH, PROJECTED_FROM, RANK

HUNDRED = Decimal(100)
_SAME_DAY = {**RANK, ListingStage.WITHDRAWN.value: len(RANK) + 1}


@dataclass(frozen=True)
class Step:
    """One listing record as plain data."""

    stage: str
    venue: str
    date: dt.date


@dataclass(frozen=True)
class State:
    stage: str  # a ListingStage value (never QUOTED) or NOT_STARTED
    since: dt.date | None
    days_in_stage: int | None
    venue: str
    attempts: int  # filings; a withdrawal ends one, a later step starts the next
    listed_on: dt.date | None
    quoted_on: dt.date | None
    quoted_venue: str


def _ordered(steps: Iterable[Step]) -> list[Step]:
    return sorted(steps, key=lambda s: (s.date, _SAME_DAY.get(s.stage, 0)))


def attempts_of(steps: Iterable[Step]) -> list[list[Step]]:
    """The road steps split into attempts: each ends at a withdrawal (kept as its last step)."""
    attempts: list[list[Step]] = []
    current: list[Step] = []
    for step in _ordered(s for s in steps if s.stage != ListingStage.QUOTED):
        current.append(step)
        if step.stage == ListingStage.WITHDRAWN:
            attempts.append(current)
            current = []
    if current:
        attempts.append(current)
    return attempts


def derive(steps: Iterable[Step], today: dt.date) -> State:
    steps = list(steps)
    road = _ordered(s for s in steps if s.stage != ListingStage.QUOTED)
    quoted = _ordered(s for s in steps if s.stage == ListingStage.QUOTED)
    quoted_on = quoted[0].date if quoted else None
    quoted_venue = quoted[-1].venue if quoted else ""
    listed = [s.date for s in road if s.stage == ListingStage.LISTED]
    if not road:
        return State(NOT_STARTED, None, None, "", 0, None, quoted_on, quoted_venue)
    last = road[-1]
    since = last.date
    for step in reversed(road[:-1]):  # the stage was entered at the first of a run of equal steps
        if step.stage != last.stage:
            break
        since = step.date
    return State(
        stage=last.stage,
        since=since,
        days_in_stage=max(0, (today - since).days),
        venue=last.venue,
        attempts=len(attempts_of(road)),
        listed_on=min(listed) if listed else None,
        quoted_on=quoted_on,
        quoted_venue=quoted_venue,
    )


@dataclass(frozen=True)
class Row:
    """One enterprise of the pipeline: its county, its records and its state."""

    key: object
    county: str
    venue: str  # the current venue, else the reserve list's target venue
    steps: tuple[Step, ...]
    state: State
    counts_toward_goal: bool = True
    label: str = ""  # the enterprise's name, for display

    @property
    def stage_label(self) -> str:
        return str(ListingStage(self.state.stage).label) if self.state.stage != NOT_STARTED else ""


@dataclass
class StepFigures:
    stage: str
    next_stage: str
    reached: int
    reached_next: int
    conversion: Decimal | None  # percent
    median_days: Decimal | None
    observations: int


@dataclass
class Funnel:
    total: int
    by_stage: dict[str, int]
    by_venue: dict[str, int]
    by_county: dict[str, int]
    quoted: int
    steps: list[StepFigures] = field(default_factory=list)


def funnel(rows: Sequence[Row]) -> Funnel:
    """Counts by current stage, venue and county; for each step of the road: the enterprises that
    ever reached it (any attempt; a skipped step counts as passed), the share of them that reached
    the next one, and the median days from the first record of a step to the first record of the
    next within one attempt."""
    reached: Counter[str] = Counter()
    days: dict[str, list[int]] = {stage.value: [] for stage in PATH}
    for row in rows:
        ranks = [RANK[s.stage] for s in row.steps if s.stage in RANK]
        top = max(ranks, default=0)
        for stage in PATH:
            if RANK[stage] <= top:
                reached[stage.value] += 1
        for attempt in attempts_of(row.steps):
            first: dict[str, dt.date] = {}
            for step in attempt:
                first.setdefault(step.stage, step.date)
            for stage, nxt in zip(PATH, PATH[1:], strict=False):
                if stage.value in first and nxt.value in first:
                    days[stage.value].append((first[nxt.value] - first[stage.value]).days)
    figures = []
    for stage, nxt in zip(PATH, PATH[1:], strict=False):
        n, m = reached[stage.value], reached[nxt.value]
        observed = days[stage.value]
        figures.append(
            StepFigures(
                stage=stage.value,
                next_stage=nxt.value,
                reached=n,
                reached_next=m,
                conversion=(Decimal(m) * HUNDRED / Decimal(n)) if n else None,
                median_days=Decimal(str(statistics.median(observed))) if observed else None,
                observations=len(observed),
            )
        )
    return Funnel(
        total=len(rows),
        by_stage=dict(Counter(r.state.stage for r in rows)),
        by_venue=dict(Counter(r.venue for r in rows if r.venue)),
        by_county=dict(Counter(r.county for r in rows)),
        quoted=sum(1 for r in rows if r.state.quoted_on is not None),
        steps=figures,
    )


@dataclass(frozen=True)
class Assumption:
    """For enterprises now at ``stage``: the share (percent) that lists and the usual days from
    entering the stage to the listing."""

    stage: str
    rate: Decimal
    days: int


@dataclass(frozen=True)
class ProjectedRow:
    row: Row
    expected_on: dt.date | None
    within: bool
    weight: Decimal  # probability (0–1) counted in the expected figure


@dataclass
class Projection:
    horizon: dt.date
    listed: Decimal  # listings already counted towards the goal
    in_review: int  # at 申报受理 or later, counting towards the goal
    likely: int  # of them, expected to list on or before the horizon
    expected: Decimal  # the likely ones weighted by the share that lists
    rows: list[ProjectedRow]
    left_out: int  # at 申报受理 or later but not counting towards the goal (no qualifying title)
    by_stage: dict[str, int] = field(default_factory=dict)  # every enterprise of the pipeline by stage
    stage_counts: list[tuple[str, int]] = field(default_factory=list)  # by_stage labelled, for display

    @property
    def total_if_all_list(self) -> Decimal:
        return self.listed + self.likely

    @property
    def total_expected(self) -> Decimal:
        return self.listed + self.expected


def project(
    rows: Iterable[Row], assumptions: Mapping[str, Assumption], *, horizon: dt.date, listed: Decimal | int
) -> Projection:
    """Each enterprise at 申报受理 or later (not listed, not withdrawn) is expected to list on the
    date it entered its stage plus the stage's usual days; if that is on or before ``horizon`` it
    is *likely* and adds the stage's share to the *expected* figure. Without an assumption for its
    stage it is counted in review but not projected."""
    out: list[ProjectedRow] = []
    likely, expected, left_out = 0, Decimal(0), 0
    rows = list(rows)
    for row in rows:
        if row.state.stage not in PROJECTED_FROM:
            continue
        if not row.counts_toward_goal:
            left_out += 1
            continue
        rule = assumptions.get(row.state.stage)
        if rule is None or row.state.since is None:
            out.append(ProjectedRow(row, None, False, Decimal(0)))
            continue
        expected_on = row.state.since + dt.timedelta(days=rule.days)
        within = expected_on <= horizon
        weight = rule.rate / HUNDRED if within else Decimal(0)
        likely += int(within)
        expected += weight
        out.append(ProjectedRow(row, expected_on, within, weight))
    out.sort(key=lambda p: (p.expected_on or dt.date.max, str(p.row.key)))
    return Projection(
        horizon=horizon,
        listed=Decimal(listed),
        in_review=len(out),
        likely=likely,
        expected=expected,
        rows=out,
        left_out=left_out,
        by_stage=dict(Counter(r.state.stage for r in rows)),
    )

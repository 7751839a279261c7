"""Writes of the targets app: snapshots (the recompute), allocations, reported values, runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction, PlaceLevel
from accounts.models import Place
from core import jobs
from core.models import JobStatus
from core.scoping import CHANGE, require, scope_for
from enterprises.models import period_end

from . import compute
from .choices import CompletionRule, Direction, ProgressStatus, RunTrigger
from .embedded import CoalescingRunner
from .locks import recompute_lock
from .models import Allocation, Indicator, ManualValue, Plan, RecomputeRun, Snapshot, SnapshotValue

RECOMPUTE_TASK = "targets.tasks.recompute_progress"  # ``targets/tasks.py``, queued through ``core.jobs``
PENDING_KEY = "targets:recompute:pending"  # a data-change recompute is waiting to start

SHARE_LIMIT = Decimal("99999")


# -- status by "时间过半、任务过半" ------------------------------------------------------------------------


def share_done(*, value, baseline, target, rule: str = CompletionRule.GAIN) -> Decimal | None:
    """The share of the goal done (1 = reached), by the indicator's completion rule.

    Gain (增量口径): (value − baseline) ÷ (target − baseline) when the target is above the baseline;
    when it is not (a county allocated a target at or below its baseline), value ÷ target. Level
    (达标口径): value ÷ target. Either way the share is never below 0, is exactly 1 when the value
    equals the target, never falls when the value rises, and is at least 1 once the value has reached
    the target. A target of 0 or less is reached by any value at or above it. None without a value
    or a numeric target (or, for the gain rule, without a baseline)."""
    if value is None or target is None:
        return None
    value, target = Decimal(value), Decimal(target)
    if target <= 0:
        return Decimal(1) if value >= target else Decimal(0)
    if rule == CompletionRule.LEVEL or (baseline is not None and target <= Decimal(baseline)):
        share = value / target
    elif baseline is None:
        return None
    else:
        share = (value - Decimal(baseline)) / (target - Decimal(baseline))
    return max(Decimal(0), min(SHARE_LIMIT, share))


def progress_status(*, plan: Plan, direction: str, value, baseline, target, done, time) -> str:
    """Achieved once the value has reached a numeric target (whatever the baseline); otherwise on
    track / behind / at risk, comparing the share done with the share of time elapsed (thresholds
    from the plan). Goals without a numeric target only have to rise: above the baseline is on
    track, equal is behind, below is at risk."""
    if value is None:
        return ProgressStatus.NO_DATA
    if target is not None and direction != Direction.RISING and value >= target:
        return ProgressStatus.ACHIEVED
    if target is None or direction == Direction.RISING and done is None:
        if baseline is None:
            return ProgressStatus.NO_DATA
        if value > baseline:
            return ProgressStatus.ON_TRACK
        return ProgressStatus.BEHIND if value == baseline else ProgressStatus.AT_RISK
    if done is None:
        return ProgressStatus.NO_DATA
    if done >= 1 or time <= 0:
        return ProgressStatus.ON_TRACK
    ratio = done / time
    if ratio >= plan.on_track_ratio:
        return ProgressStatus.ON_TRACK
    if ratio >= plan.at_risk_ratio:
        return ProgressStatus.BEHIND
    return ProgressStatus.AT_RISK


# -- the recompute ------------------------------------------------------------------------------------


def counties() -> list[Place]:
    return list(Place.objects.filter(level=PlaceLevel.COUNTY).order_by("sort_order", "code"))


def snapshot_dates(plan: Plan, as_of: dt.date, *, with_history: bool) -> list[dt.date]:
    """``as_of`` and the quarter ends whose snapshots are the points of the trend charts: with
    history every quarter end from the baseline (the day before the plan starts) up to ``as_of``;
    without, only the latest one (so a late statistic of the last quarter still reaches its trend
    point)."""
    year, quarter = (plan.starts_on - dt.timedelta(days=1)).year, 4
    ends = []
    day = period_end(year, quarter)
    while day <= as_of:
        ends.append(day)
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
        day = period_end(year, quarter)
    return sorted({as_of, *(ends if with_history else ends[-1:])})


def snapshot_compute(
    *,
    plan: Plan,
    as_of: dt.date,
    run: RecomputeRun | None = None,
    indicators: list[Indicator] | None = None,
    places: list[Place] | None = None,
    baseline_cache: dict | None = None,
) -> Snapshot:
    """Compute every active indicator for the city and each county as of ``as_of`` and store it,
    replacing any snapshot of the same date (idempotent). Aggregate queries only: the number of
    queries depends on the number of indicators, not of enterprises."""
    indicators = (
        indicators if indicators is not None else list(plan.indicators.filter(is_active=True).select_related("plan"))
    )
    places = places if places is not None else counties()
    tiers = compute.tier_ranks()
    allocations = allocations_by_indicator(plan)
    baseline_cache = baseline_cache if baseline_cache is not None else {}
    time = plan.share_of_time(as_of)
    with transaction.atomic():
        _tune_for_aggregates()
        rows = _snapshot_rows(
            plan=plan,
            as_of=as_of,
            indicators=indicators,
            places=places,
            tiers=tiers,
            allocations=allocations,
            baseline_cache=baseline_cache,
            time=time,
        )
        snapshot, _created = Snapshot.objects.update_or_create(
            plan=plan, as_of=as_of, defaults={"computed_at": timezone.now(), "run": run}
        )
        SnapshotValue.objects.filter(snapshot=snapshot).delete()
        for row in rows:
            row.snapshot = snapshot
        SnapshotValue.objects.bulk_create(rows, batch_size=1000)
    return snapshot


def _tune_for_aggregates() -> None:
    """PostgreSQL: no JIT compilation for this transaction. The aggregate queries here are short;
    compiling them (their estimated cost passes ``jit_above_cost``) costs more than running them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _snapshot_rows(*, plan, as_of, indicators, places, tiers, allocations, baseline_cache, time) -> list[SnapshotValue]:
    rows: list[SnapshotValue] = []
    current = compute.compute_all(indicators, as_of, tiers)
    # Records on the baseline date: needed unless the baseline is declared for the city and the
    # counties alike (non-additive indicators such as the ×2 ratios). Cached across the dates of a run.
    needed = [i for i in indicators if i.additive or i.baseline_value is None]
    missing = [i for i in needed if (i.pk, i.baseline_date) not in baseline_cache]
    for day in {i.baseline_date for i in missing}:
        group = [i for i in missing if i.baseline_date == day]
        for pk, parts in compute.compute_all(group, day, tiers).items():
            baseline_cache[(pk, day)] = parts
    for indicator in indicators:
        now = current[indicator.pk]
        base = baseline_cache.get((indicator.pk, indicator.baseline_date), {})
        for place in [None, *places]:
            county_id = place.pk if place else None
            result = compute.value_of(indicator, now.get(county_id))
            records = compute.value_of(indicator, base.get(county_id)).value
            if place is None:
                baseline = indicator.baseline_value if indicator.baseline_value is not None else records
                target = indicator.target_value
            else:
                allocated = allocations.get((indicator.pk, county_id))
                uses_declared = not indicator.additive and indicator.baseline_value is not None
                baseline = indicator.baseline_value if uses_declared else records
                if allocated is not None and allocated.baseline_value is not None:
                    baseline = allocated.baseline_value  # the county's declared share of the city baseline
                if allocated is not None:
                    target = allocated.target_value
                else:
                    target = None if indicator.additive else indicator.target_value
            done = share_done(value=result.value, baseline=baseline, target=target, rule=indicator.completion_rule)
            rows.append(
                SnapshotValue(
                    indicator=indicator,
                    county_id=county_id,
                    value=result.value,
                    numerator=result.numerator,
                    denominator=result.denominator,
                    baseline=baseline,
                    baseline_records=records,
                    target=target,
                    share_done=done,
                    share_time=time,
                    period=result.period,
                    compared=result.compared,
                    left_out=result.left_out,
                    status=progress_status(
                        plan=plan,
                        direction=indicator.direction,
                        value=result.value,
                        baseline=baseline,
                        target=target,
                        done=done,
                        time=time,
                    ),
                )
            )
    return rows


def progress_recompute(*, run: RecomputeRun, progress: Callable[[int, str], None] | None = None) -> list[Snapshot]:
    """Recompute the snapshots of every plan for ``run`` (its date, today by default, and with
    history the quarter ends since the baseline). Returns the snapshots written."""
    as_of = run.as_of or timezone.localdate()
    plans = list(Plan.objects.all())
    if not plans:
        return []
    indicators = {plan.pk: list(plan.indicators.filter(is_active=True)) for plan in plans}
    places = counties()
    allocations_ensure_defaults()
    work = [(plan, day) for plan in plans for day in snapshot_dates(plan, as_of, with_history=run.with_history)]
    snapshots = []
    baseline_cache: dict = {}
    for i, (plan, day) in enumerate(work, start=1):
        snapshots.append(
            snapshot_compute(
                plan=plan,
                as_of=day,
                run=run,
                indicators=indicators[plan.pk],
                places=places,
                baseline_cache=baseline_cache,
            )
        )
        if progress:
            progress(
                int(100 * i / len(work)) if i < len(work) else 99,
                _("Computed %(date)s (%(i)s of %(n)s)") % {"date": day.isoformat(), "i": i, "n": len(work)},
            )
    return snapshots


def may_recompute(user) -> bool:
    """A recompute covers every county and the whole city: only city-wide writers (the city
    operator) may start one. Readers follow runs but do not start them."""
    return scope_for(user).city_wide_write


def run_create(
    *, actor=None, as_of: dt.date | None = None, trigger: str = RunTrigger.MANUAL, with_history: bool = True
) -> RecomputeRun:
    """A pending run; a user asking for one must be allowed to recompute (``may_recompute``).
    Jobs and commands (no actor) always may."""
    if actor is not None and not may_recompute(actor):
        raise PermissionDenied
    if as_of and as_of > timezone.localdate():
        raise ValidationError({"as_of": _("The date cannot be in the future.")})
    return RecomputeRun.objects.create(
        as_of=as_of,
        trigger=trigger,
        with_history=with_history,
        requested_by=actor if getattr(actor, "pk", None) else None,
    )


def run_request(*, actor) -> tuple[RecomputeRun, bool]:
    """ "Recompute now": the run already waiting or running (started recently), or a new run
    queued after commit. Returns ``(run, created)``: repeated clicks never pile up runs."""
    from django.conf import settings

    if not may_recompute(actor):
        raise PermissionDenied
    recent = timezone.now() - dt.timedelta(seconds=int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800)))
    active = latest_run(pending_only=True)
    if active is not None and active.created_at >= recent:
        return active, False
    run = run_create(actor=actor)
    jobs.enqueue(RECOMPUTE_TASK, run.pk)
    return run, True


class _RecomputeRunner(jobs.JobRunner[RecomputeRun]):
    """Compute the progress snapshots of one run (``core.jobs.JobRunner``); a failure is recorded
    on the run, not re-raised (the nightly beat and the next data change try again)."""

    model = RecomputeRun
    name = "recompute run"

    def run(self) -> RecomputeRun:
        """Under the lock: a run that finds another one running waits for it to end (it does not
        compute twice at once); the result is the same either way (idempotent)."""
        if not self.ready():
            return self.job
        with recompute_lock() as acquired:
            if not acquired:
                self.job.mark_failed(_("Another recompute was running and did not finish in time; try again later."))
                return self.job
            return super().run()

    def work(self) -> str:
        run = self.job
        start = len(connection.queries) if connection.queries_logged else None
        snapshots = progress_recompute(run=run, progress=self.progress)
        if start is not None:
            run.query_count = len(connection.queries) - start
            run.save(update_fields=["query_count"])
        return _("%(n)s snapshots computed.") % {"n": len(snapshots)}

    def failure_message(self, error: Exception) -> str:
        return _("The recompute failed: %(error)s") % {"error": error}


def run_execute(*, run_id: int) -> RecomputeRun:
    """Run a recompute (see ``_RecomputeRunner``). The run must exist."""
    return _RecomputeRunner(RecomputeRun.objects.get(pk=run_id)).run()


# -- allocations ------------------------------------------------------------------------------------


def allocations_by_indicator(plan: Plan | None = None) -> dict[tuple[int, int], Allocation]:
    """``{(indicator id, county id): allocation}`` (its target and declared baseline)."""
    qs = Allocation.objects.all()
    if plan is not None:
        qs = qs.filter(indicator__plan=plan)
    fields = ("indicator_id", "county_id", "target_value", "baseline_value")
    return {(a.indicator_id, a.county_id): a for a in qs.only(*fields)}


def allocations_ensure_defaults() -> int:
    """Store the fixtures' default allocation of every indicator that has none stored yet (edits
    by city operators are never overwritten)."""
    stored = set(Allocation.objects.values_list("indicator_id", flat=True).distinct())
    places = {p.code: p for p in counties()}
    rows = []
    for indicator in Indicator.objects.exclude(pk__in=stored).exclude(default_allocation={}):
        for code, value in (indicator.default_allocation or {}).items():
            if code in places:
                rows.append(Allocation(indicator=indicator, county=places[code], target_value=Decimal(str(value))))
    Allocation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def allocation_save(
    *,
    actor,
    indicator: Indicator,
    values: dict[int, Decimal | None],
    baselines: dict[int, Decimal | None] | None = None,
) -> list[Allocation]:
    """Replace the county allocation of ``indicator`` (county id → target, and optionally county id →
    declared baseline). City operators only. For an additive indicator the targets must add up to
    the city target; nothing is saved otherwise. Declared baselines that do not add up to the city's
    are saved (they are policy data) and the allocation page warns about them."""
    scope = require(actor, CHANGE)
    if not scope.city_wide_write:
        raise PermissionDenied
    places = {p.pk: p for p in counties()}
    errors: dict[str, str] = {}
    clean = _county_numbers(
        values,
        places,
        errors,
        not_a_number=_("%(county)s: not a number."),
        negative=_("%(county)s: the target cannot be negative."),
    )
    clean_baselines = _county_numbers(
        baselines,
        places,
        errors,
        not_a_number=_("%(county)s: the baseline is not a number."),
        negative=_("%(county)s: the baseline cannot be negative."),
    )
    for county_id in clean_baselines:
        if county_id not in clean:
            errors.setdefault(
                places[county_id].code, _("%(county)s: a baseline needs a target.") % {"county": places[county_id].name}
            )
    if errors:
        raise ValidationError(errors)
    if indicator.additive and indicator.target_value is not None and clean:
        total = sum(clean.values(), Decimal(0))
        if len(clean) != len(places) or total != indicator.target_value:
            raise ValidationError(
                _(
                    "The county targets add up to %(total)s but the city target is %(target)s (difference %(diff)s); "
                    "give every county a target so that they add up."
                )
                % {
                    "total": _fmt(total),
                    "target": _fmt(indicator.target_value),
                    "diff": _fmt(indicator.target_value - total),
                }
            )
    with transaction.atomic():
        existing = {a.county_id: a for a in Allocation.objects.select_for_update().filter(indicator=indicator)}
        entries, keep = [], []
        for county_id, place in places.items():
            old = existing.get(county_id)
            new = clean.get(county_id)
            new_baseline = clean_baselines.get(county_id)
            before = _allocation_values(place, old) if old else None
            if new is None:
                if old:
                    old.delete()
                    entries.append(
                        audit.Entry(
                            action=AuditAction.DELETE,
                            object_type="targets.allocation",
                            object_id=str(indicator.pk),
                            object_repr=f"{indicator} · {place}",
                            county_code=place.code,
                            before=before,
                            after=None,
                        )
                    )
                continue
            if old and old.target_value == new and old.baseline_value == new_baseline:
                keep.append(old)
                continue
            obj = old or Allocation(indicator=indicator, county=place)
            obj.target_value = new
            obj.baseline_value = new_baseline
            obj.full_clean()
            obj.save()
            keep.append(obj)
            entries.append(
                audit.Entry(
                    action=AuditAction.UPDATE if old else AuditAction.CREATE,
                    object_type="targets.allocation",
                    object_id=str(obj.pk),
                    object_repr=f"{indicator} · {place}",
                    county_code=place.code,
                    before=before,
                    after=_allocation_values(place, obj),
                )
            )
        audit.record_many(actor, entries)
        if entries:
            schedule_recompute()
    return keep


def _county_numbers(
    values: dict | None, places: dict[int, Place], errors: dict, *, not_a_number: str, negative: str
) -> dict[int, Decimal]:
    """The non-empty numbers of ``values`` (county id → input); a bad one adds its message, naming the
    county, to ``errors`` (by county code)."""
    clean: dict[int, Decimal] = {}
    for county_id, value in (values or {}).items():
        place = places.get(county_id)
        if place is None:
            raise ValidationError(_("Unknown county."))
        if value is None or value == "":
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            errors.setdefault(place.code, not_a_number % {"county": place.name})
            continue
        if number < 0:
            errors.setdefault(place.code, negative % {"county": place.name})
        clean[county_id] = number
    return clean


def _allocation_values(place: Place, allocation: Allocation) -> dict:
    baseline = allocation.baseline_value
    return {
        "county": place.code,
        "target_value": str(allocation.target_value),
        "baseline_value": None if baseline is None else str(baseline),
    }


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


# -- reported (manual) values ---------------------------------------------------------------------------


def may_report(user, indicator: Indicator) -> bool:
    """City operators, and users of the indicator's lead department, report manual values."""
    scope = scope_for(user)
    if scope.city_wide_write:
        return True
    return scope.department_id is not None and scope.department_id == indicator.lead_department_id


def manual_value_create(
    *,
    actor,
    indicator: Indicator,
    value,
    as_of: dt.date,
    evidence: str,
    document_no: str = "",
    county: Place | None = None,
) -> ManualValue:
    if not may_report(actor, indicator):
        raise PermissionDenied
    if indicator.kind != "manual":
        raise ValidationError(_("This indicator is computed from the records; it takes no reported values."))
    obj = ManualValue(
        indicator=indicator,
        county=county,
        as_of=as_of,
        value=value,
        evidence=(evidence or "").strip(),
        document_no=document_no,
        entered_by=actor,
    )
    with transaction.atomic():
        # The permission is the lead-department rule above (department users have no county write
        # scope); the row is validated and audited in the same transaction.
        obj.full_clean()
        obj.save()
        audit.record(actor, AuditAction.CREATE, obj, after=audit.snapshot(obj))
        schedule_recompute()
    return obj


# -- enqueueing after data changes (coalesced) -----------------------------------------------------------


def schedule_recompute(*, trigger: str = RunTrigger.DATA_CHANGE) -> None:
    """Ask for a recompute once the current transaction commits; a burst of changes gives one
    run (see ``enqueue_coalesced``)."""
    from django.conf import settings

    if not getattr(settings, "TARGETS_RECOMPUTE_ON_CHANGE", True):
        return
    transaction.on_commit(enqueue_coalesced)


def _recompute_after_data_change() -> None:
    jobs.task(RECOMPUTE_TASK)(trigger=RunTrigger.DATA_CHANGE)


# Without a broker: one background thread per process, runs coalesced, after the response.
recompute_runner = CoalescingRunner(_recompute_after_data_change, name="targets-recompute")


def enqueue_coalesced() -> bool:
    """Enqueue one recompute a few seconds from now unless one is already waiting to start: a
    burst of edits (or an import) gives one run. The waiting run clears the mark when it starts,
    so a change made while it computes schedules the next run.

    Without a broker (tasks run eagerly) the run goes to the embedded runner instead: after the
    response, on one background thread, coalesced (``targets.embedded``)."""
    from django.conf import settings

    recompute = jobs.task(RECOMPUTE_TASK)
    if recompute.app.conf.task_always_eager:
        return recompute_runner.request()
    delay = int(getattr(settings, "TARGETS_RECOMPUTE_DELAY", 30))
    if not cache.add(PENDING_KEY, "1", timeout=delay + 600):
        return False
    recompute.apply_async(kwargs={"trigger": RunTrigger.DATA_CHANGE}, countdown=delay)
    return True


def latest_run(*, pending_only: bool = False) -> RecomputeRun | None:
    qs = RecomputeRun.objects.all()
    if pending_only:
        qs = qs.filter(Q(status=JobStatus.PENDING) | Q(status=JobStatus.RUNNING))
    return qs.order_by("-created_at").first()

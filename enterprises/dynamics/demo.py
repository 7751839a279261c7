"""Demo rows of dynamic management, called by the lead's ``seed_demo`` after the demo enterprises,
titles and statistics exist: reviews (pending and decided), a few revocations, reserve entries at
each stage, timely annual data for most titled enterprises, and the alerts.

Deterministic (uses ``rng`` only), idempotent-ish (skips when demo reviews or reserve entries exist)
and fast: bulk writes, a fixed number of queries. Demo loading is a data load, not a user's edit, so
it writes no audit rows (like the rest of ``seed_demo``).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ..choices import TitleStatus
from ..models import (
    DataUpdateDeadline,
    Enterprise,
    ReserveEntry,
    ReserveStatus,
    ReviewOutcome,
    RevocationGround,
    Statistic,
    Tier,
    Title,
    TitleReview,
    TitleRevocation,
    add_years,
)
from . import selectors, services


def _timely_annual_data(*, rng: random.Random, today: dt.date) -> int:
    """Most demo enterprises entered last year's annual statistics before the deadline; about 5% late."""
    deadline = DataUpdateDeadline.objects.filter(deadline__lt=today).order_by("-deadline").first()
    if deadline is None:
        return 0
    ids = list(
        Statistic.objects.filter(enterprise__is_demo=True, year=deadline.data_year, quarter=4)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    late = set(rng.sample(ids, k=len(ids) // 20)) if ids else set()
    on_time = [pk for pk in ids if pk not in late]
    entered = timezone.make_aware(dt.datetime.combine(deadline.deadline - dt.timedelta(days=20), dt.time(10)))
    Statistic.objects.filter(pk__in=on_time).update(created_at=entered)
    Statistic.objects.filter(pk__in=late).update(created_at=entered + dt.timedelta(days=40))
    return len(on_time)


def _reviews(*, rng: random.Random, today: dt.date) -> tuple[int, int]:
    """Pending reviews for some titles near or just past their end; decided ones for titles that
    ended in the last year; a few revocations."""
    soon = list(
        Title.objects.filter(
            enterprise__is_demo=True,
            status=TitleStatus.VALID,
            ended_on__isnull=True,
            valid_until__gte=today - dt.timedelta(days=20),
            valid_until__lte=today + dt.timedelta(days=120),
        )
        .select_related("tier")
        .order_by("pk")
    )
    past = list(
        Title.objects.filter(
            enterprise__is_demo=True,
            ended_on__isnull=True,
            valid_until__gte=today - dt.timedelta(days=330),
            valid_until__lt=today - dt.timedelta(days=30),
        )
        .exclude(status=TitleStatus.REVOKED)
        .select_related("tier")
        .order_by("pk")
    )
    reviews, changed = [], []
    for title in rng.sample(soon, k=len(soon) // 3):
        reviews.append(
            TitleReview(
                title=title,
                started_on=min(today, title.valid_until - dt.timedelta(days=rng.randint(5, 60))),
                previous_valid_until=title.valid_until,
                outcome=ReviewOutcome.PENDING,
            )
        )
        title.status = TitleStatus.UNDER_REVIEW
        changed.append(title)
    for title in rng.sample(past, k=len(past) // 2):
        decided = min(today, title.valid_until + dt.timedelta(days=rng.randint(1, 25)))
        review = TitleReview(
            title=title,
            started_on=title.valid_until - dt.timedelta(days=rng.randint(20, 60)),
            decided_on=decided,
            previous_valid_until=title.valid_until,
            document_no=f"复核〔{decided.year}〕{rng.randint(1, 99)}号",
        )
        if rng.random() < 0.8:
            review.outcome = ReviewOutcome.PASSED
            review.new_valid_until = add_years(title.valid_until + dt.timedelta(days=1), title.tier.validity_years)
            title.valid_until, title.status = review.new_valid_until, TitleStatus.VALID
        else:
            review.outcome = ReviewOutcome.FAILED
            title.status, title.ended_on, title.end_reason = TitleStatus.EXPIRED, decided, "复核未通过"
        reviews.append(review)
        changed.append(title)
    revoked_ids = {t.pk for t in changed}
    # Revoke only an enterprise's highest title, so no higher title loses the rung it was granted on.
    top_rank = dict(
        Title.objects.filter(enterprise__is_demo=True)
        .values("enterprise_id")
        .annotate(top=Max("tier__rank"))
        .values_list("enterprise_id", "top")
    )
    pool = [
        t
        for t in Title.objects.filter(
            enterprise__is_demo=True,
            status=TitleStatus.VALID,
            ended_on__isnull=True,
            valid_until__gt=today + dt.timedelta(days=200),
        )
        .select_related("tier")
        .order_by("pk")[:400]
        if t.pk not in revoked_ids and t.tier.rank == top_rank.get(t.enterprise_id)
    ]
    revocations = []
    for title in rng.sample(pool, k=min(4, len(pool))):
        on = max(title.recognised_on, today - dt.timedelta(days=rng.randint(10, 200)))
        ground = rng.choice(RevocationGround.values[:4])
        revocations.append(
            TitleRevocation(
                title=title, ground=ground, revoked_on=on, document_no=f"撤销〔{on.year}〕{rng.randint(1, 20)}号"
            )
        )
        title.status, title.ended_on, title.end_reason = TitleStatus.REVOKED, on, str(RevocationGround(ground).label)
        changed.append(title)
    TitleReview.objects.bulk_create(reviews, batch_size=1000)
    TitleRevocation.objects.bulk_create(revocations)
    Title.objects.bulk_update(changed, ["status", "valid_until", "ended_on", "end_reason"], batch_size=1000)
    return len(reviews), len(revocations)


def _reserve(*, rng: random.Random, today: dt.date) -> int:
    """Per county and target rung, the best candidates of the pool recommended for this year's batch,
    some already applied; last year's batch decided (not recognised or withdrawn)."""
    entries = []
    for code in ("provincial", "national"):
        tier = Tier.objects.filter(code=code).first()
        rows = selectors.reserve_pool(None, tier=tier, date=today, year=today.year) if tier else None
        per_county: dict[int, int] = {}
        for row in rows or []:
            if row.result.status == "not_eligible":
                continue
            county = row.enterprise.county_id
            if per_county.get(county, 0) >= 6:
                continue
            per_county[county] = per_county.get(county, 0) + 1
            result = row.result
            recommended_on = today - dt.timedelta(days=rng.randint(10, 120))
            applied = rng.random() < 0.4
            entries.append(
                ReserveEntry(
                    enterprise=row.enterprise,
                    target_tier=tier,
                    year=today.year,
                    status=ReserveStatus.APPLIED if applied else ReserveStatus.RECOMMENDED,
                    recommended_on=recommended_on,
                    applied_on=min(today, recommended_on + dt.timedelta(days=rng.randint(5, 30))) if applied else None,
                    precheck_status=result.status,
                    precheck_score=result.score_min,
                    precheck_score_max=result.score_max,
                    criteria_set_id=result.spec.pk,
                )
            )
            if rng.random() < 0.25:
                last = today.replace(year=today.year - 1, month=6, day=1)
                entries.append(
                    ReserveEntry(
                        enterprise=row.enterprise,
                        target_tier=tier,
                        year=today.year - 1,
                        status=rng.choice([ReserveStatus.NOT_RECOGNISED, ReserveStatus.WITHDRAWN]),
                        recommended_on=last,
                        applied_on=last + dt.timedelta(days=20),
                        decided_on=last + dt.timedelta(days=120),
                        note="上一批次",
                    )
                )
    ReserveEntry.objects.bulk_create(entries, batch_size=1000, ignore_conflicts=True)
    return len(entries)


def seed(*, rng: random.Random, today: dt.date, stdout) -> None:
    if not Enterprise.objects.filter(is_demo=True).exists():
        stdout.write("dynamics demo: no demo enterprises, skipped")
        return
    if (
        TitleReview.objects.filter(title__enterprise__is_demo=True).exists()
        or ReserveEntry.objects.filter(enterprise__is_demo=True).exists()
    ):
        stdout.write("dynamics demo: already seeded, skipped")
        _refresh_pool(today=today, stdout=stdout)
        return
    with transaction.atomic():
        timely = _timely_annual_data(rng=rng, today=today)
        reviews, revocations = _reviews(rng=rng, today=today)
        entries = _reserve(rng=rng, today=today)
    expired = services.titles_mark_lapsed(date=today)
    alerts = services.alerts_refresh(date=today)
    stdout.write(
        f"dynamics demo: {timely} timely annual statistics, {reviews} reviews, {revocations} revocations, "
        f"{entries} reserve entries, {expired} titles expired, alerts {alerts}"
    )
    _refresh_pool(today=today, stdout=stdout)


def _refresh_pool(*, today: dt.date, stdout) -> None:
    """The reserve pool page reads precomputed verdicts: compute them for the demo's day."""
    counts = services.reserve_verdicts_refresh(date=today)
    stdout.write(f"dynamics demo: reserve-pool verdicts precomputed {counts}")

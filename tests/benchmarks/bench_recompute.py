"""Benchmark of the progress recompute and the goals dashboard.

Seeds 10,000 enterprises with titles and 16 quarters of statistics (2022Q4–2026Q3) into a
throwaway database (a temporary SQLite file; or, when DATABASE_URL points at PostgreSQL, a new
database next to it that is dropped afterwards), then measures:

- a bare GROUP BY over the statistics table (the reference),
- a full recompute for one date: every indicator for the city and the 7 counties (time, queries),
- the same with history (every quarter end since the baseline, as the job does),
- the dashboard page served from snapshots (median and p95 over 50 requests).

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_recompute.py [--enterprises N]``.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _throwaway_database() -> tuple[str, callable]:
    """A DATABASE_URL for a new database and a function that removes it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg2

        parsed = urlparse(url)
        name = f"jm_bench_recompute_{os.getpid()}"
        admin = psycopg2.connect(urlunparse(parsed._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')

        def drop():
            from django.db import connections

            connections.close_all()
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.close()

        return urlunparse(parsed._replace(path=f"/{name}")), drop
    handle = tempfile.NamedTemporaryFile(prefix="bench_recompute_", suffix=".sqlite3", delete=False)
    handle.close()
    return f"sqlite:///{handle.name}", lambda: os.unlink(handle.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    url, drop = _throwaway_database()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("TESTING", "1")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["TARGETS_RECOMPUTE_ON_CHANGE"] = "0"
    os.environ["AXES_ENABLED"] = "0"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiangmen_portal.settings"
    import django

    django.setup()
    try:
        result = run(args)
    finally:
        drop()
    print(json.dumps(result, ensure_ascii=False))


def seed(n: int, start: int, rng: random.Random, entered_in_time: bool = False) -> None:
    """``n`` enterprises from number ``start``: titles, 16 quarters of statistics, R&D institutions,
    listings. ``entered_in_time``: each quarter's statistics are dated as entered on the 20th of the
    month after it, as quarterly imports are (``bulk_create`` stamps every row with today, so every
    enterprise would have missed the yearly data-update deadline of the review calendar)."""
    from accounts.models import Place
    from enterprises.identifiers import make_credit_code
    from enterprises.models import (
        Enterprise,
        ListingRecord,
        RDInstitution,
        RDInstitutionLevel,
        Statistic,
        Tier,
        Title,
        add_years,
    )

    counties = list(Place.objects.filter(level="county"))
    tiers = {t.code: t for t in Tier.objects.all()}
    levels = list(RDInstitutionLevel.objects.all())
    firms = Enterprise.objects.bulk_create(
        [
            Enterprise(
                credit_code=make_credit_code(counties[i % 7].code, 100_000 + i),
                name=f"基准企业{i:05d}",
                county=counties[i % 7],
                is_demo=True,
            )
            for i in range(start, start + n)
        ],
        batch_size=2000,
    )
    titles, stats, rds, listings = [], [], [], []
    quarters = (
        [(2022, 4)] + [(y, q) for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)] + [(2026, 1), (2026, 2), (2026, 3)]
    )
    for firm in firms:
        roll = rng.random()
        recognised = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 5 * 365))
        codes = ["innovative"]
        if roll < 0.45:
            codes.append("provincial")
        if roll < 0.04:
            codes.append("national")
        elif roll < 0.6:
            codes.append("municipal")
        for offset, code in enumerate(codes):
            day = recognised + dt.timedelta(days=90 * offset)
            if day > dt.date(2026, 9, 30):
                continue
            titles.append(Title(enterprise=firm, tier=tiers[code], recognised_on=day, valid_until=add_years(day, 3)))
        base = Decimal(rng.randint(500, 50_000))
        for i, (year, quarter) in enumerate(quarters):
            grow = Decimal(1 + 0.05 * i)
            stats.append(
                Statistic(
                    enterprise=firm,
                    year=year,
                    quarter=quarter,
                    output_value=base * grow * quarter / 4,
                    revenue=base * grow * quarter / 4,
                    profit=base * grow * quarter / 40,
                    invention_patents=rng.randint(0, 6),
                    trademarks=rng.randint(0, 5),
                    digital_level=rng.randint(1, 4),
                    university_cooperation=rng.random() < 0.3,
                    fills_tech_gap=rng.random() < 0.15,
                )
            )
        if rng.random() < 0.35:
            rds.append(
                RDInstitution(
                    enterprise=firm, level=rng.choice(levels), name="研发中心", recognised_year=rng.randint(2015, 2026)
                )
            )
        if rng.random() < 0.002:
            listings.append(
                ListingRecord(enterprise=firm, stage="listed", venue="szse_chinext", date=dt.date(2025, 3, 1))
            )
    Title.objects.bulk_create(titles, batch_size=5000)
    Statistic.objects.bulk_create(stats, batch_size=5000)
    if entered_in_time:
        ids = [firm.pk for firm in firms]
        for year, quarter in quarters:
            entered = dt.datetime(year + (quarter == 4), quarter % 4 * 3 + 1, 20, tzinfo=dt.UTC)
            Statistic.objects.filter(enterprise_id__in=ids, year=year, quarter=quarter).update(created_at=entered)
    RDInstitution.objects.bulk_create(rds, batch_size=5000)
    ListingRecord.objects.bulk_create(listings, batch_size=5000)


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def run(args) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.choices import Role
    from accounts.models import User
    from enterprises.models import Statistic
    from targets import services
    from targets.models import Plan

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    services.allocations_ensure_defaults()
    plan = Plan.objects.get()
    as_of = dt.date(2026, 9, 30)
    rng = random.Random(20240130)

    small = max(1, args.enterprises // 5)
    t0 = time.perf_counter()
    seed(small, 0, rng)
    services.snapshot_compute(plan=plan, as_of=as_of)  # measured runs both replace a snapshot
    with CaptureQueriesContext(connection) as captured:
        services.snapshot_compute(plan=plan, as_of=as_of)
    queries_small = len(captured.captured_queries)
    seed(args.enterprises - small, small, rng)
    seed_seconds = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rows = Statistic.objects.count()
    print(
        f"database: {connection.vendor}; {args.enterprises} enterprises, {rows} statistics rows "
        f"(seeded in {seed_seconds:.1f} s)"
    )

    groupby_seconds, _ = timed(
        lambda: list(
            Statistic.objects.values("enterprise__county_id", "year", "quarter")
            .annotate(n=Count("id"), output=Sum("output_value"))
            .order_by()
        ),
        repeat=5,
    )
    print(f"bare GROUP BY over statistics: {groupby_seconds * 1000:.1f} ms")

    services.snapshot_compute(plan=plan, as_of=as_of)  # warm up
    with CaptureQueriesContext(connection) as captured:
        services.snapshot_compute(plan=plan, as_of=as_of)
    queries = len(captured.captured_queries)
    recompute_seconds, snapshot = timed(lambda: services.snapshot_compute(plan=plan, as_of=as_of))
    print(
        f"full recompute (city + 7 counties, all indicators): {recompute_seconds * 1000:.1f} ms, "
        f"{queries} queries ({queries_small} with {small} enterprises)"
    )

    run_row = services.run_create(as_of=as_of)
    start = time.perf_counter()
    services.run_execute(run_id=run_row.pk)
    history_seconds = time.perf_counter() - start
    run_row.refresh_from_db()
    print(f"job with history ({run_row.message}): {history_seconds:.2f} s")

    user = User.objects.create(username="bench", role=Role.CITY_OPERATOR, must_change_password=False)
    client = Client()
    client.force_login(user)
    client.get("/targets/")
    latencies = []
    for _ in range(args.requests):
        start = time.perf_counter()
        response = client.get("/targets/")
        latencies.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    latencies.sort()
    p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
    median = statistics.median(latencies)
    print(f"dashboard /targets/: median {median:.1f} ms, p95 {p95:.1f} ms over {args.requests} requests")
    return {
        "benchmark": "recompute",
        "database": connection.vendor,
        "enterprises": args.enterprises,
        "statistics_rows": rows,
        "recompute_seconds": round(recompute_seconds, 4),
        "queries": queries,
        "queries_at_one_fifth": queries_small,
        "groupby_seconds": round(groupby_seconds, 4),
        "recompute_groupby_ratio": round(recompute_seconds / groupby_seconds, 2) if groupby_seconds else None,
        "recompute_with_history_seconds": round(history_seconds, 3),
        "dashboard_median_ms": round(median, 1),
        "dashboard_p95_ms": round(p95, 1),
        "snapshot_as_of": snapshot.as_of.isoformat(),
    }


if __name__ == "__main__":
    main()

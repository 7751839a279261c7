"""Benchmark: the reserve pool pre-check and the review calendar at city scale.

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_dynamics.py [N]`` (default
3,000 enterprises, the demo city's size). It builds its own throwaway SQLite database in a temporary
directory (or uses PostgreSQL when DATABASE_URL points there), never db.sqlite3. It prints the time
of ``reserve_pool_verdicts`` for the provincial rung (every candidate pre-checked in one SQL
statement, what the pool page and the counts use), of one page of it explained by the Python
pre-check (50 rows), of ``reserve_pool`` (every candidate explained in Python, as before), of the
calendar selectors, of ``reserve_pool_counts`` (all rungs), of the refresh of the precomputed
verdicts and of what the page reads of them (counts and one page), next to a reference measured in the
same run: fetching the same statistics rows with a plain ``values()`` query. Last line: one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench_dynamics_")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402


def timed(fn, repeat=3):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, value


def main(n: int) -> dict:
    from accounts.models import Place
    from enterprises.dynamics import selectors as sel
    from enterprises.identifiers import make_credit_code
    from enterprises.models import Enterprise, Statistic, Tier, Title, add_years

    call_command("load_reference_data", verbosity=0)
    today = dt.date(2026, 6, 15)
    counties = list(Place.objects.filter(level="county"))
    innovative = Tier.objects.get(code="innovative")
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                credit_code=make_credit_code(counties[i % len(counties)].code, 500_000 + i),
                name=f"基准企业{i:05d}",
                county=counties[i % len(counties)],
                established_on=dt.date(2010 + i % 12, 1, 1),
                niche_market="细分市场" if i % 3 else "",
            )
            for i in range(n)
        ]
    )
    titles, stats = [], []
    for i, e in enumerate(enterprises):
        rec = dt.date(2023 + i % 3, 7, 1) - dt.timedelta(days=i % 200)
        titles.append(Title(enterprise=e, tier=innovative, recognised_on=rec, valid_until=add_years(rec, 3)))
        for k, year in enumerate((2023, 2024, 2025)):
            revenue = 800 + (i * 37) % 9000 + k * 150
            stats.append(
                Statistic(
                    enterprise=e,
                    year=year,
                    quarter=4,
                    revenue=revenue,
                    main_business_revenue=revenue * (70 + i % 30) // 100,
                    profit=revenue // 12,
                    total_assets=revenue,
                    total_liabilities=revenue * (30 + i % 60) // 100,
                    rd_expense=revenue * (1 + i % 8) // 100,
                    employees=50 + i % 200,
                    rd_staff=5 + i % 40,
                    class1_ip=i % 6,
                    digital_level=1 + i % 4,
                    fills_tech_gap=bool(i % 5 == 0),
                )
            )
    Title.objects.bulk_create(titles, batch_size=2000)
    Statistic.objects.bulk_create(stats, batch_size=2000)
    provincial = Tier.objects.get(code="provincial")
    if connection.vendor == "postgresql":  # as autovacuum would after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    verdicts_s, pool = timed(lambda: sel.reserve_pool_verdicts(None, tier=provincial, date=today))
    page_s, _ = timed(lambda: sel.explain_pool(pool, pool.verdicts[:50], year=2026))
    pool_s, rows = timed(lambda: sel.reserve_pool(None, tier=provincial, date=today, year=2026))
    assert [(r.enterprise.pk, r.result.status) for r in rows] == [(v.enterprise_id, v.status) for v in pool.verdicts]
    ref_s, ref_rows = timed(
        lambda: list(
            Statistic.objects.filter(year__gte=2022).values(
                "enterprise_id", "year", "quarter", *Statistic.FIGURE_FIELDS
            )
        )
    )
    cal_s, _ = timed(
        lambda: (
            list(sel.expiring_titles(None, date=today, days=180)),
            sel.expiring_counts(None, 2026),
            list(sel.data_update_check(None, date=today).missed),
        )
    )
    counts_s, _ = timed(lambda: sel.reserve_pool_counts(None, date=today), repeat=1)
    # The precomputed verdicts (issue 17): the refresh (every rung, city-wide), then what the pool
    # page reads of them for today: the counts (one GROUP BY) and one page of 50 (ORDER BY … LIMIT).
    from enterprises.dynamics.services import reserve_verdicts_refresh
    from enterprises.models import ReserveVerdict

    refresh_s, _ = timed(lambda: reserve_verdicts_refresh(date=today), repeat=1)
    stored = ReserveVerdict.objects.filter(tier=provincial).order_by(*sel.VERDICT_ORDER)
    assert list(stored.values_list("enterprise_id", flat=True)) == [v.enterprise_id for v in pool.verdicts]
    stored_s, _ = timed(lambda: (sel.verdict_counts(stored), list(stored.filter(status_order=0)[:50])))
    statuses = {}
    for r in rows:
        statuses[r.result.status] = statuses.get(r.result.status, 0) + 1
    print(f"enterprises: {n}, provincial candidates pre-checked: {len(rows)} {statuses} ({connection.vendor})")
    print(f"reserve_pool_verdicts(provincial), SQL: {verdicts_s:.3f} s; one page of 50 explained: {page_s:.3f} s")
    print(
        f"reserve_pool(provincial), all explained: {pool_s:.3f} s  ({pool_s / max(1, len(rows)) * 1000:.3f} ms per enterprise)"
    )
    print(f"reference values() of the same {len(ref_rows)} statistics rows: {ref_s:.3f} s")
    print(f"calendar selectors (expiring 180 d, counts, missed update): {cal_s:.3f} s")
    print(f"reserve_pool_counts (all rungs): {counts_s:.3f} s")
    print(f"reserve_verdicts_refresh (all rungs): {refresh_s:.3f} s; stored counts + one page: {stored_s:.4f} s")
    return {
        "bench": "dynamics",
        "database": connection.vendor,
        "enterprises": n,
        "candidates": len(rows),
        "pool_verdicts_s": round(verdicts_s, 4),
        "pool_page_explained_s": round(page_s, 4),
        "pool_verdicts_ratio": round(verdicts_s / ref_s, 2) if ref_s else None,
        "reserve_pool_s": round(pool_s, 4),
        "reference_values_s": round(ref_s, 4),
        "reserve_pool_ratio": round(pool_s / ref_s, 2) if ref_s else None,
        "calendar_s": round(cal_s, 4),
        "reserve_pool_counts_s": round(counts_s, 4),
        "verdicts_refresh_s": round(refresh_s, 4),
        "stored_counts_and_page_s": round(stored_s, 4),
    }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    old = setup_databases(verbosity=0, interactive=False)
    try:
        result = main(size)
    finally:
        teardown_databases(old, verbosity=0)
    print(json.dumps(result, ensure_ascii=False))

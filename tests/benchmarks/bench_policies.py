"""Benchmark: matching policies against every enterprise in SQL (``policies.matching``).

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_policies.py [N]`` (default
100,000 enterprises with 16 quarters of statistics each: 1.6 million rows; with SQLite the default
is 10,000). It builds its own throwaway database (PostgreSQL when DATABASE_URL points there, else a
temporary SQLite file). It prints:

- one policy (provincial-or-higher title or not needed: revenue ≥ 5000 万元, R&D share ≥ 3 %,
  invention patents ≥ 2, in 台山 or 开平) matched against all enterprises: the counts per county and
  status (``match_counts``) and the full met list (``match_rows``); goal < 2 s;
- all 20 policies of a generated library, one after the other (what a nightly refresh does);
  goal < 60 s;
- the reference measured in the same run: a bare ``GROUP BY`` count of last year's annual rows.

Last line: one JSON object.
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
TMP = tempfile.mkdtemp(prefix="bench_policies_")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

DATE = dt.date(2026, 6, 30)


def timed(fn, repeat=3):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, value


def load(n: int) -> None:
    from django.utils import timezone

    from accounts.models import Place
    from enterprises.identifiers import make_credit_code
    from enterprises.models import Enterprise, Statistic, Tier, Title, add_years

    counties = list(Place.objects.filter(level="county").order_by("code"))
    tiers = {t.code: t for t in Tier.objects.all()}
    batch = 5000
    for start in range(0, n, batch):
        Enterprise.objects.bulk_create(
            [
                Enterprise(
                    credit_code=make_credit_code(counties[i % len(counties)].code, 600_000 + i),
                    name=f"基准企业{i:06d}",
                    county=counties[i % len(counties)],
                )
                for i in range(start, min(n, start + batch))
            ]
        )
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    titles = []
    for i, pk in enumerate(ids):
        tier = tiers["provincial"] if i % 4 == 0 else tiers["innovative"]
        rec = dt.date(2024, 1, 1) + dt.timedelta(days=i % 300)
        titles.append(Title(enterprise_id=pk, tier=tier, recognised_on=rec, valid_until=add_years(rec, 3)))
    Title.objects.bulk_create(titles, batch_size=5000)
    now = timezone.now()
    if connection.vendor == "postgresql":
        # 16 quarters (2022–2025) per enterprise in one statement; figures vary with the id.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {Statistic._meta.db_table}
                  (created_at, updated_at, version, enterprise_id, year, quarter, revenue, rd_expense,
                   main_business_revenue, profit, total_assets, total_liabilities, employees, rd_staff,
                   invention_patents, class1_ip, digital_level)
                SELECT %s, %s, 1, e.id, y, q, r, r * ((e.id %% 7) + 1) / 100, r * 0.8, r / 10, r * 1.5,
                       r * 0.6, 50 + e.id %% 200, 5 + e.id %% 30, e.id %% 5, e.id %% 3, 1 + e.id %% 4
                FROM {Enterprise._meta.db_table} e
                CROSS JOIN generate_series(2022, 2025) AS y
                CROSS JOIN generate_series(1, 4) AS q
                CROSS JOIN LATERAL (SELECT (1000 + (e.id * 37) %% 9000 + (y - 2022) * 200)::numeric AS r) AS f
                """,
                [now, now],
            )
            cursor.execute("ANALYZE")
    else:
        rows = []
        for pk in ids:
            for year in (2022, 2023, 2024, 2025):
                for quarter in (1, 2, 3, 4):
                    r = 1000 + (pk * 37) % 9000 + (year - 2022) * 200
                    rows.append(
                        Statistic(
                            enterprise_id=pk,
                            year=year,
                            quarter=quarter,
                            revenue=r,
                            rd_expense=r * ((pk % 7) + 1) // 100,
                            invention_patents=pk % 5,
                            employees=50 + pk % 200,
                            rd_staff=5 + pk % 30,
                        )
                    )
            if len(rows) >= 20000:
                Statistic.objects.bulk_create(rows)
                rows = []
        Statistic.objects.bulk_create(rows)


def library() -> list:
    from accounts.models import Department, Place
    from enterprises.models import Tag, Tier
    from policies.models import Policy, PolicyCondition, SupportType

    kjj = Department.objects.get(code="kjj")
    types = list(SupportType.objects.all())
    taishan, kaiping = Place.objects.get(code="440781"), Place.objects.get(code="440783")
    provincial = Tier.objects.get(code="provincial")
    tag = Tag.objects.order_by("pk").first()
    policies = []
    for k in range(20):
        p = Policy.objects.create(
            title=f"基准政策{k}",
            issuing_department=kjj,
            support_type=types[k % len(types)],
            valid_from=dt.date(2026, 1, 1),
        )
        rows = [
            PolicyCondition(policy=p, kind="figure", figure="revenue", operator="gte", threshold=3000 + 200 * k),
            PolicyCondition(policy=p, kind="figure", figure="rd_ratio", operator="gte", threshold=1 + k % 5),
        ]
        if k % 2 == 0:
            rows.append(
                PolicyCondition(policy=p, kind="figure", figure="invention_patents", operator="gte", threshold=2)
            )
        if k % 3 == 0:
            rows.append(PolicyCondition(policy=p, kind="tier", tier=provincial))
        if k % 4 == 0:
            rows += [
                PolicyCondition(policy=p, kind="county", county=taishan, group="county"),
                PolicyCondition(policy=p, kind="county", county=kaiping, group="county"),
            ]
        if k % 5 == 1:
            rows.append(PolicyCondition(policy=p, kind="tag", tag=tag))
        if k % 5 == 2:
            rows.append(PolicyCondition(policy=p, kind="figure", figure="rd_staff_share", operator="gte", threshold=10))
        PolicyCondition.objects.bulk_create(rows)
        policies.append(p)
    return policies


def main(n: int) -> dict:
    from enterprises.models import Statistic
    from policies.matching import match_counts, match_rows
    from policies.selectors import candidates, conditions_of

    call_command("load_reference_data", verbosity=0)
    start = time.perf_counter()
    load(n)
    load_s = time.perf_counter() - start
    policies = library()
    one = policies[0]  # revenue ≥ 3000, R&D share ≥ 1 %, patents ≥ 2, provincial, 台山 or 开平
    conditions = conditions_of(one)
    everyone = candidates(None)

    counts_s, counts = timed(lambda: match_counts(conditions, everyone, DATE))
    rows_s, rows = timed(lambda: [r for r in match_rows(conditions, everyone, DATE) if r[3] == "met"])
    ref_s, _ = timed(
        lambda: list(
            Statistic.objects.filter(quarter=4, year=2025)
            .values("enterprise__county")
            .annotate(n=django.db.models.Count("pk"))
            .order_by()
        )
    )
    start = time.perf_counter()
    for p in policies:
        match_counts(conditions_of(p), everyone, DATE)
    all_s = time.perf_counter() - start
    statistics = Statistic.objects.count()
    by_status: dict[str, int] = {}
    for (_county, status), k in counts.items():
        by_status[status] = by_status.get(status, 0) + k
    print(f"{n} enterprises, {statistics} statistics rows ({connection.vendor}); data load {load_s:.1f} s")
    print(f"one policy ({len(conditions)} conditions): counts per county and status {counts_s:.3f} s {by_status}")
    print(f"one policy: met list of {len(rows)} enterprises {rows_s:.3f} s")
    print(f"reference GROUP BY of last year's annual rows per county: {ref_s:.3f} s")
    print(f"all {len(policies)} policies against all enterprises (counts each): {all_s:.2f} s")
    return {
        "bench": "policies",
        "database": connection.vendor,
        "enterprises": n,
        "statistics_rows": statistics,
        "one_policy_counts_s": round(counts_s, 3),
        "one_policy_met_list_s": round(rows_s, 3),
        "reference_group_by_s": round(ref_s, 3),
        "one_policy_ratio": round(counts_s / ref_s, 2) if ref_s else None,
        "all_policies_s": round(all_s, 2),
        "policies": len(policies),
    }


if __name__ == "__main__":
    default = 100_000 if connection.vendor == "postgresql" else 10_000
    size = int(sys.argv[1]) if len(sys.argv) > 1 else default
    old = setup_databases(verbosity=0, interactive=False)
    try:
        result = main(size)
    finally:
        teardown_databases(old, verbosity=0)
    print(json.dumps(result, ensure_ascii=False))

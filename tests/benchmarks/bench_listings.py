"""Benchmark: the listing pipeline (stages derived from the records, funnel, projection) at a
generous city scale.

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_listings.py [N]`` (default
2,000 enterprises in the pipeline, each with 1–6 listing records; Jiangmen's real pipeline is a few
dozen). Its own throwaway SQLite database (or PostgreSQL when DATABASE_URL points there). Prints the
time and queries of the pipeline with its funnel, and of the projection, next to a reference measured
in the same run: a plain ``values()`` of the same listing records. Last line: one JSON object.
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
TMP = tempfile.mkdtemp(prefix="bench_listings_")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

ROAD = ["tutoring", "accepted", "approved", "registered", "listed"]


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
    from enterprises.identifiers import make_credit_code
    from enterprises.listings import selectors as sel
    from enterprises.listings.models import ListingReserveEntry
    from enterprises.models import Enterprise, ListingRecord, Tier, Title, add_years

    call_command("load_reference_data", verbosity=0)
    today = dt.date(2026, 6, 15)
    counties = list(Place.objects.filter(level="county"))
    municipal = Tier.objects.get(code="municipal")
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                credit_code=make_credit_code(counties[i % len(counties)].code, 700_000 + i),
                name=f"上市基准企业{i:05d}",
                county=counties[i % len(counties)],
            )
            for i in range(n)
        ]
    )
    titles, records, entries = [], [], []
    for i, e in enumerate(enterprises):
        rec = dt.date(2024, 7, 1)
        titles.append(Title(enterprise=e, tier=municipal, recognised_on=rec, valid_until=add_years(rec, 3)))
        entries.append(
            ListingReserveEntry(enterprise=e, target_venue="bse", target_year=2026, entered_on=dt.date(2024, 1, 1))
        )
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i % 200)
        for stage in ROAD[: 1 + i % 5]:
            records.append(ListingRecord(enterprise=e, stage=stage, venue="bse", date=day))
            day += dt.timedelta(days=60 + i % 90)
        if i % 7 == 0:  # withdrawn and filed again
            records.append(ListingRecord(enterprise=e, stage="withdrawn", venue="bse", date=day))
            records.append(
                ListingRecord(enterprise=e, stage="tutoring", venue="sse_star", date=day + dt.timedelta(days=30))
            )
    Title.objects.bulk_create(titles, batch_size=2000)
    ListingReserveEntry.objects.bulk_create(entries, batch_size=2000)
    ListingRecord.objects.bulk_create(records, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def pipeline_and_funnel():
        rows = sel.pipeline(None, today=today)
        return rows, sel.funnel_of(rows)

    with CaptureQueriesContext(connection) as q1:
        pipeline_s, (rows, funnel) = timed(pipeline_and_funnel)
    with CaptureQueriesContext(connection) as q2:
        projection_s, projection = timed(lambda: sel.projection(None, today=today))
    ref_s, ref_rows = timed(lambda: list(ListingRecord.objects.values("enterprise_id", "stage", "venue", "date")))
    print(f"pipeline enterprises: {len(rows)}, listing records: {len(ref_rows)} ({connection.vendor})")
    print(f"pipeline + funnel: {pipeline_s:.3f} s, {len(q1.captured_queries) // 3} queries; stages {funnel.by_stage}")
    print(
        f"projection: {projection_s:.3f} s, {len(q2.captured_queries) // 3} queries; in review {projection.in_review}, "
        f"likely {projection.likely}, expected {projection.expected:.1f}"
    )
    print(f"reference values() of the same records: {ref_s:.3f} s")
    return {
        "bench": "listings",
        "database": connection.vendor,
        "enterprises": len(rows),
        "records": len(ref_rows),
        "pipeline_funnel_s": round(pipeline_s, 4),
        "pipeline_queries": len(q1.captured_queries) // 3,
        "projection_s": round(projection_s, 4),
        "projection_queries": len(q2.captured_queries) // 3,
        "reference_values_s": round(ref_s, 4),
        "pipeline_ratio": round(pipeline_s / ref_s, 2) if ref_s else None,
    }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    old = setup_databases(verbosity=0, interactive=False)
    try:
        result = main(size)
    finally:
        teardown_databases(old, verbosity=0)
    print(json.dumps(result, ensure_ascii=False))

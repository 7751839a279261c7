"""Benchmark: the quarterly report workbook for the 10k-enterprise benchmark city.

    .venv/bin/python tests/benchmarks/bench_report.py [--enterprises 10000] [--period 2026Q3]

Creates its own throwaway database (a temporary SQLite file; or, when ``DATABASE_URL`` points to
PostgreSQL, a temporary database on that server, dropped afterwards) — never ``db.sqlite3``. The
city: N enterprises over the seven counties, titles on every rung, 16 quarters of statistics
(2022Q4–2026Q3), all via ``bulk_create``. The report is then built for the whole city in a fresh
child process, so its peak memory (``ru_maxrss``) is the report's alone (plus Django itself).
Goal: under 10 s and under 300 MB. Wall-clock time depends on the machine's load, so the CPU time
and the load average are printed too, and a reference measured in the same child (the roster's
rows written with bare openpyxl) gives load-independent ratios. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GOAL_SECONDS = 10.0
GOAL_MB = 300.0


def django_setup(database_url: str, media_root: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("TESTING", "1")  # development secret key, no HTTPS redirects
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def quarters(first=(2022, 4), count=16):
    year, quarter = first
    for _ in range(count):
        yield year, quarter
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def create_city(n: int, seed: int = 20260930) -> dict:
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.models import Place
    from enterprises.identifiers import make_credit_code
    from enterprises.models import Enterprise, Industry, Statistic, Tier, Title, add_years

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    rng = random.Random(seed)
    counties = list(Place.objects.filter(level="county"))
    industries = list(Industry.objects.filter(level="division")) or [None]
    tiers = {t.code: t for t in Tier.objects.all()}
    enterprises = []
    for i in range(n):
        county = counties[i % len(counties)]
        name = f"江门基准{i:05d}制造有限公司" if i % 500 else f"=基准{i}公式样名称"  # a few formula-like names
        enterprises.append(
            Enterprise(
                credit_code=make_credit_code(county.code, 500_000 + i),
                name=name,
                county=county,
                industry=rng.choice(industries),
                niche_market=rng.choice(["精密轴承", "电机", "不锈钢制品", "纸制品", ""]),
                established_on=dt.date(1995 + rng.randrange(28), rng.randrange(1, 13), rng.randrange(1, 28)),
                contact_person="张三",
                contact_phone="13800000000",
                is_demo=True,
            )
        )
    Enterprise.objects.bulk_create(enterprises, batch_size=2000)
    ids = list(Enterprise.objects.order_by("id").values_list("id", flat=True))
    titles = []

    def add(eid, code, start, end):
        recognised = start + dt.timedelta(days=rng.randrange((end - start).days))
        tier = tiers[code]
        status = "under_review" if rng.random() < 0.03 else "valid"
        titles.append(
            Title(
                enterprise_id=eid,
                tier=tier,
                recognised_on=recognised,
                valid_until=add_years(recognised, tier.validity_years),
                status=status,
                batch=f"{recognised.year}年第{rng.randrange(1, 3)}批",
            )
        )

    for eid in ids:
        r = rng.random()
        if r < 0.75:
            add(eid, "innovative", dt.date(2021, 1, 1), dt.date(2026, 9, 1))
        if r < 0.25:
            add(eid, "municipal", dt.date(2021, 6, 1), dt.date(2026, 9, 1))
        if r < 0.15:
            add(eid, "provincial", dt.date(2022, 1, 1), dt.date(2026, 9, 1))
        if r < 0.01:
            add(eid, "national", dt.date(2022, 6, 1), dt.date(2026, 9, 1))
    Title.objects.bulk_create(titles, batch_size=2000)
    stats = 0
    base = {eid: rng.uniform(500, 50_000) for eid in ids}
    for year, quarter in quarters():
        batch = []
        for eid in ids:
            if rng.random() < 0.05:  # not every enterprise reports every quarter
                continue
            revenue = base[eid] * quarter / 4 * rng.uniform(0.9, 1.2)
            batch.append(
                Statistic(
                    enterprise_id=eid,
                    year=year,
                    quarter=quarter,
                    output_value=Decimal(f"{revenue * 1.1:.2f}"),
                    revenue=Decimal(f"{revenue:.2f}"),
                    main_business_revenue=Decimal(f"{revenue * 0.85:.2f}"),
                    profit=Decimal(f"{revenue * rng.uniform(-0.05, 0.15):.2f}"),
                    total_assets=Decimal(f"{base[eid] * 1.5:.2f}"),
                    total_liabilities=Decimal(f"{base[eid] * 0.7:.2f}"),
                    rd_expense=Decimal(f"{revenue * rng.uniform(0.01, 0.08):.2f}"),
                    employees=rng.randrange(20, 2000),
                    invention_patents=rng.randrange(0, 20),
                    digital_level=rng.randrange(1, 5),
                )
            )
        Statistic.objects.bulk_create(batch, batch_size=5000)
        stats += len(batch)
    return {"enterprises": n, "titles": len(titles), "statistics": stats}


def build_child(period: str, output: str) -> dict:
    """Runs in the child process: build the whole-city report and measure it."""
    from django.utils import timezone

    from accounts.choices import Role
    from accounts.models import User
    from reports.selectors import ReportScope, parse_period
    from reports.services import report_write

    year, quarter = parse_period(period)
    user = User(username="bench", role=Role.CITY_OPERATOR, is_active=True)
    scope = ReportScope(user=user, year=year, quarter=quarter, generated_by="bench", generated_at=timezone.now())
    started, cpu_started = time.perf_counter(), time.process_time()
    result = report_write(scope=scope, output=output)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    from tests.benchmarks.bench_export import rss_mb

    peak_mb = rss_mb()  # VmHWM: ru_maxrss would carry the parent's peak (the city's creation) over
    reference_seconds, reference_cpu = plain_openpyxl_reference(result["roster_rows"], output + ".plain.xlsx")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "reference_seconds": round(reference_seconds, 2),
        "reference_cpu_seconds": round(reference_cpu, 2),
        "report_to_plain_openpyxl_ratio": round(seconds / reference_seconds, 2),
        "report_to_plain_openpyxl_cpu_ratio": round(cpu_seconds / reference_cpu, 2),
        "peak_mb": round(peak_mb, 1),
        "roster_rows": result["roster_rows"],
        "file_mb": round(os.path.getsize(output) / 1024 / 1024, 2),
    }


def plain_openpyxl_reference(rows: int, output: str) -> tuple[float, float]:
    """The reference measured in the same run: the roster's size (rows x 15 columns of text,
    numbers and dates) written with bare openpyxl write-only, no styles, no database."""
    import datetime as dt
    from decimal import Decimal

    from openpyxl import Workbook

    started, cpu_started = time.perf_counter(), time.process_time()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("plain")
    for i in range(rows):
        ws.append(
            [
                i,
                "省级专精特新中小企业",
                f"江门基准{i:05d}制造有限公司",
                "91440703MA0000000X",
                "蓬江区",
                "34 通用设备制造业",
                "精密轴承",
                dt.date(2001, 1, 1),
                "在营",
                Decimal("12345.67"),
                Decimal("10000.00"),
                Decimal("-50.50"),
                Decimal("500.00"),
                0.05,
                230,
            ]
        )
    wb.save(output)
    return time.perf_counter() - started, time.process_time() - cpu_started


def postgres_throwaway(url: str):
    """Create a temporary database on the server of ``url``; returns (url, drop function)."""
    import psycopg2
    from psycopg2 import sql

    prefix, _, base = url.rpartition("/")
    name = f"{base.split('?')[0] or 'jm'}_bench_report"  # e.g. jm_issue9_bench_report
    admin = psycopg2.connect(f"{prefix}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()

    return f"{prefix}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        django_setup(args.database_url, os.path.dirname(args.output))
        print(json.dumps(build_child(args.period, args.output)))
        return

    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        url = os.environ.get("DATABASE_URL", "")
        drop = None
        if url.startswith(("postgres://", "postgresql://")):
            database_url, drop = postgres_throwaway(url)
        else:
            database_url = f"sqlite:///{tmp}/bench.sqlite3"
        try:
            django_setup(database_url, tmp)
            from django.db import connection

            started = time.perf_counter()
            sizes = create_city(args.enterprises)
            setup_seconds = time.perf_counter() - started
            connection.close()
            print(
                f"database: {connection.vendor}; city: {sizes['enterprises']} enterprises, {sizes['titles']} titles, "
                f"{sizes['statistics']} statistics rows, created in {setup_seconds:.1f} s"
            )
            output = os.path.join(tmp, "report.xlsx")
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "--period",
                    args.period,
                    "--database-url",
                    database_url,
                    "--output",
                    output,
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            if child.returncode != 0:
                print(child.stderr, file=sys.stderr)
                raise SystemExit(child.returncode)
            measured = json.loads(child.stdout.strip().splitlines()[-1])
        finally:
            if drop is not None:
                from django.db import connections

                connections.close_all()
                drop()
    load = os.getloadavg()[0]
    print(
        f"quarterly report {args.period}, whole city: {measured['seconds']} s wall ({measured['cpu_seconds']} s CPU, "
        f"load average {load:.1f} on {os.cpu_count()} CPUs), peak {measured['peak_mb']} MB "
        f"(goal < {GOAL_SECONDS:.0f} s, < {GOAL_MB:.0f} MB); roster {measured['roster_rows']} rows; "
        f"file {measured['file_mb']} MB"
    )
    print(
        f"reference (same rows with bare openpyxl, no styles, no database): {measured['reference_seconds']} s wall, "
        f"{measured['reference_cpu_seconds']} s CPU; ratio {measured['report_to_plain_openpyxl_ratio']} wall, "
        f"{measured['report_to_plain_openpyxl_cpu_ratio']} CPU"
    )
    result = {
        "benchmark": "report",
        "database": connection.vendor,
        "period": args.period,
        **sizes,
        **measured,
        "setup_seconds": round(setup_seconds, 1),
        "load_average": round(load, 1),
        "cpus": os.cpu_count(),
        "goal_seconds": GOAL_SECONDS,
        "goal_mb": GOAL_MB,
        "within_goal": measured["seconds"] < GOAL_SECONDS and measured["peak_mb"] < GOAL_MB,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

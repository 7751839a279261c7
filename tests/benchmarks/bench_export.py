"""Benchmark: the list exports as jobs (issue 20), time and peak memory, for the 10k-enterprise city.

    .venv/bin/python tests/benchmarks/bench_export.py [--enterprises 10000]

Creates its own throwaway database like ``bench_report.py`` (whose city it builds: N enterprises,
titles on every rung, 16 quarters of statistics). Each export then runs in a fresh child process
exactly as the portal runs it — ``list_export_create`` as a city operator, the job (eager Celery,
no broker) writing the file — so the child's peak memory (``VmHWM``) is the export's (plus
Django). Measured: the whole statistics list (the export that took 25–29 s inside the request),
the same list for one year (a quarter of the rows: memory must not grow with the rows), the
enterprise list and the title list. Reference, in a child of its own: the same statistics rows
read with ``values_list().iterator()`` and written with bare openpyxl write-only (no styles, no
scoping, no job). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_report import create_city, django_setup  # noqa: E402

GOAL_SECONDS = 60.0  # the whole statistics list
GOAL_MB = 250.0

RUNS = {
    "statistics_all": ("statistics", ""),
    "statistics_2026": ("statistics", "year=2026"),
    "enterprises_all": ("enterprises", ""),
    "titles_all": ("titles", ""),
}

STAT_FIELDS = (
    "enterprise__name",
    "enterprise__credit_code",
    "enterprise__county__name",
    "year",
    "quarter",
    "output_value",
    "revenue",
    "main_business_revenue",
    "profit",
    "total_assets",
    "total_liabilities",
    "rd_expense",
    "export_revenue",
    "employees",
    "rd_staff",
    "invention_patents",
    "class1_ip",
    "trademarks",
    "digital_level",
    "university_cooperation",
    "fills_tech_gap",
)


def rss_mb() -> float:
    """This process's peak resident memory so far. ``VmHWM`` of the process's own address space,
    not ``ru_maxrss``: on Linux that one keeps the parent's peak across fork and exec, so a child
    started by a parent holding 140 MB would report at least 140 MB whatever it does."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def export_child(kind: str, query: str) -> dict:
    from django.http import QueryDict

    from accounts.choices import Role
    from accounts.models import User
    from reports.list_exports import list_export_create
    from reports.models import ListExportJob

    user, _ = User.objects.get_or_create(
        username="bench-export", defaults={"role": Role.CITY_OPERATOR, "is_active": True}
    )
    baseline = rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    job = list_export_create(actor=user, kind=kind, params=QueryDict(query))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    job = ListExportJob.objects.get(pk=job.pk)
    assert job.status == "succeeded", (job.status, job.message, job.error)
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "peak_mb": round(rss_mb(), 1),
        "baseline_mb": round(baseline, 1),
        "rows": job.row_count,
        "file_mb": round(job.file.size / 1024 / 1024, 2),
    }


def reference_child(output: str) -> dict:
    """The whole statistics list's rows, bare: ``values_list`` in chunks into plain openpyxl."""
    from openpyxl import Workbook

    from enterprises.models import Statistic

    baseline = rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("plain")
    rows = 0
    order = ("-year", "-quarter", "enterprise__county__sort_order", "enterprise__name", "id")
    for rows, values in enumerate(
        Statistic.objects.order_by(*order).values_list(*STAT_FIELDS).iterator(chunk_size=2000), start=1
    ):
        ws.append([rows, *values])
    wb.save(output)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "peak_mb": round(rss_mb(), 1),
        "baseline_mb": round(baseline, 1),
        "rows": rows,
        "file_mb": round(os.path.getsize(output) / 1024 / 1024, 2),
    }


def run_child(database_url: str, tmp: str, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--database-url", database_url, "--media", tmp, *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env=env,  # no broker: the job runs in the child (eager), as in the embedded deployment
    )
    if child.returncode != 0:
        print(child.stderr, file=sys.stderr)
        raise SystemExit(child.returncode)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--query", default="", help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        django_setup(args.database_url, args.media)
        result = reference_child(args.reference) if args.reference else export_child(args.kind, args.query)
        print(json.dumps(result))
        return

    from tests.benchmarks.bench_report import postgres_throwaway

    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
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
            vendor = connection.vendor
            connection.close()
            print(
                f"database: {vendor}; city: {sizes['enterprises']} enterprises, {sizes['titles']} titles, "
                f"{sizes['statistics']} statistics rows, created in {setup_seconds:.1f} s"
            )
            measured = {}
            for name, (kind, query) in RUNS.items():
                measured[name] = run_child(database_url, tmp, "--kind", kind, "--query", query)
                m = measured[name]
                print(
                    f"{name}: {m['rows']} rows in {m['seconds']} s wall ({m['cpu_seconds']} s CPU), "
                    f"peak {m['peak_mb']} MB (Django alone {m['baseline_mb']} MB), file {m['file_mb']} MB"
                )
            reference = run_child(database_url, tmp, "--reference", os.path.join(tmp, "plain.xlsx"))
            print(
                f"reference (statistics rows, values_list + bare openpyxl): {reference['rows']} rows in "
                f"{reference['seconds']} s wall ({reference['cpu_seconds']} s CPU), peak {reference['peak_mb']} MB"
            )
        finally:
            if drop is not None:
                from django.db import connections

                connections.close_all()
                drop()
    full, year = measured["statistics_all"], measured["statistics_2026"]
    load = os.getloadavg()[0]
    result = {
        "benchmark": "export",
        "database": vendor,
        **sizes,
        **{f"{name}_{key}": value for name, m in measured.items() for key, value in m.items()},
        "reference_seconds": reference["seconds"],
        "reference_cpu_seconds": reference["cpu_seconds"],
        "reference_peak_mb": reference["peak_mb"],
        "statistics_to_reference_ratio": round(full["seconds"] / reference["seconds"], 2),
        "statistics_to_reference_cpu_ratio": round(full["cpu_seconds"] / reference["cpu_seconds"], 2),
        # the export's own memory (above Django's) for all rows against a quarter of them
        "memory_growth_ratio": round(
            (full["peak_mb"] - full["baseline_mb"]) / max(year["peak_mb"] - year["baseline_mb"], 1.0), 2
        ),
        "setup_seconds": round(setup_seconds, 1),
        "load_average": round(load, 1),
        "cpus": os.cpu_count(),
        "goal_seconds": GOAL_SECONDS,
        "goal_mb": GOAL_MB,
        "within_goal": full["seconds"] < GOAL_SECONDS and full["peak_mb"] < GOAL_MB,
    }
    print(
        f"statistics list: ratio {result['statistics_to_reference_ratio']} wall to the reference; memory growth "
        f"all rows / one year {result['memory_growth_ratio']}; load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Benchmark: the responsibility matrix and its export with every report of every period filled in.

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_tasks_matrix.py``. It builds a
throwaway test database (in-memory SQLite by default, or ``test_<name>`` on the PostgreSQL server
``DATABASE_URL`` points at), never touching db.sqlite3. The last line is one JSON object;
``query_growth_ratio`` (queries for a full period ÷ queries for an empty one) should be 1.0.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.test_settings")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/bench_tasks_matrix.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def timed(fn, repeat=5):
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000, result


def run() -> None:
    from accounts.choices import Role
    from tasks import exports, selectors
    from tasks.models import ProgressReport, ReportingPeriod
    from tests.factories import make_user

    call_command("load_reference_data", verbosity=0)
    operator = make_user(Role.CITY_OPERATOR, username="bench-city")
    lead = make_user(Role.DEPARTMENT_USER, department_code="miit", username="bench-miit")
    tasks = selectors.tasks_with_units(user=operator)
    counties = selectors.counties()
    periods = list(ReportingPeriod.objects.order_by("starts_on"))
    columns = {c.key: c for c in selectors.task_columns(tasks, counties)}
    reports = []
    for period in periods[:-1]:  # the last period stays empty: the reference
        for task in tasks:
            for key, is_lead in selectors.responsible_keys(task, counties).items():
                c = columns[key]
                reports.append(
                    ProgressReport(
                        task=task,
                        period=period,
                        department=c.department,
                        county=c.county,
                        kind="consolidated" if is_lead else "unit",
                        status="accepted",
                        progress_percent=50,
                        summary="进展" * 200,
                        figures="=1+1",
                    )
                )
    ProgressReport.objects.bulk_create(reports, batch_size=1000)
    full, empty = periods[-2], periods[-1]

    figures = {
        "reports": len(reports),
        "slots_per_period": sum(len(selectors.responsible_keys(t, counties)) for t in tasks),
    }
    for label, user in (("city", operator), ("lead", lead)):
        with CaptureQueriesContext(connection) as q_empty:
            selectors.matrix(user=user, period=empty)
        with CaptureQueriesContext(connection) as q_full:
            selectors.matrix(user=user, period=full)
        ms, _ = timed(lambda u=user: selectors.matrix(user=u, period=full))
        figures[f"matrix_{label}_ms"] = round(ms, 1)
        figures[f"matrix_{label}_queries"] = len(q_full.captured_queries)
        figures[f"matrix_{label}_queries_empty"] = len(q_empty.captured_queries)
    figures["query_growth_ratio"] = round(figures["matrix_city_queries"] / figures["matrix_city_queries_empty"], 3)
    with CaptureQueriesContext(connection) as q_export:
        data = exports.matrix_workbook(user=operator, period=full)
    ms, data = timed(lambda: exports.matrix_workbook(user=operator, period=full), repeat=3)
    figures.update(
        export_ms=round(ms, 1),
        export_queries=len(q_export.captured_queries),
        export_bytes=len(data),
        database=connection.vendor,
    )
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

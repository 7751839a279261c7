"""Benchmark: the request figures (page and API) and the request list API over 50,000 requests of
10,000 enterprises.

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_support.py``. It builds a
throwaway test database (SQLite in a temporary file by default, or ``test_<name>`` on the PostgreSQL
server ``DATABASE_URL`` points at). Each endpoint is timed 20 times (p95 and median, in ms); the
queries of each are counted with 500 requests and again with 50,000: ``query_growth_ratio`` (the
larger count ÷ the smaller, over all endpoints) should be 1.0. The last line is one JSON object.
``BENCH_SUPPORT_REQUESTS`` / ``BENCH_SUPPORT_ENTERPRISES`` change the sizes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.test_settings")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/bench_support.sqlite3"

os.environ["ALLOWED_HOSTS"] = "testserver,localhost"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_SUPPORT_REQUESTS", 50_000))
ENTERPRISES = int(os.environ.get("BENCH_SUPPORT_ENTERPRISES", 10_000))
SMALL = 500
REPEAT = 20


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def make_enterprises(n: int):
    from accounts.models import Place
    from enterprises.identifiers import make_credit_code
    from enterprises.models import Enterprise

    counties = list(Place.objects.filter(level="county"))
    rows = [
        Enterprise(
            credit_code=make_credit_code(counties[i % len(counties)].code, 100_000 + i),
            name=f"基准企业{i}有限公司",
            county=counties[i % len(counties)],
        )
        for i in range(n)
    ]
    Enterprise.objects.bulk_create(rows, batch_size=2000)
    return list(Enterprise.objects.values_list("pk", "county_id"))


def make_requests(n: int, enterprises, rng: random.Random, start: int = 0) -> None:
    """Requests received over 2025–2026 in every status, deadlines 1/5/15 working days as weekdays."""
    from support.models import EnterpriseRequest, RequestCategory

    categories = list(RequestCategory.objects.values_list("pk", "lead_department_id"))
    statuses = ["pending", "in_progress", "replied", "closed", "closed", "closed", "suspended", "returned"]
    base = dt.date(2025, 1, 1)
    rows = []
    for i in range(start, start + n):
        enterprise_id, county_id = enterprises[i % len(enterprises)]
        category_id, department_id = categories[i % len(categories)]
        received = base + dt.timedelta(days=rng.randrange(0, 690))
        status = statuses[rng.randrange(len(statuses))]
        closed = status == "closed"
        accepted = received + dt.timedelta(days=rng.choice([1, 1, 2, 3])) if status != "pending" else None
        closed_on = received + dt.timedelta(days=rng.randrange(3, 30)) if closed else None
        rows.append(
            EnterpriseRequest(
                enterprise_id=enterprise_id,
                county_id=county_id,
                category_id=category_id,
                department_id=department_id,
                description="企业诉求",
                status=status,
                received_on=received,
                accept_due=received + dt.timedelta(days=1),
                reply_due=received + dt.timedelta(days=7),
                close_due=received + dt.timedelta(days=21),
                accepted_on=accepted,
                replied_on=accepted,
                closed_on=closed_on,
                days_to_close=(closed_on - received).days if closed_on else None,
                satisfaction=rng.choice(["satisfied", "mostly", "dissatisfied", ""]) if closed else "",
                external_id=f"BENCH-{i}",
            )
        )
    EnterpriseRequest.objects.bulk_create(rows, batch_size=2000)


def endpoints(web: Client, api: Client) -> dict:
    return {
        "figures_page": lambda: web.get("/support/figures/?by=department"),
        "figures_page_month": lambda: web.get("/support/figures/?by=month"),
        "figures_api_county": lambda: api.get("/api/v1/request-figures/?by=county"),
        "requests_api": lambda: api.get("/api/v1/requests/?page_size=100"),
        "requests_page": lambda: web.get("/support/?overdue=true"),
        "coverage_page": lambda: web.get("/support/coverage/"),
    }


def measure(fn) -> tuple[float, float]:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = fn()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return times[int(0.95 * (len(times) - 1))], statistics.median(times)


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def run() -> None:
    from accounts.api.services import api_client_create
    from accounts.choices import Role
    from tests.factories import make_user

    call_command("load_reference_data", verbosity=0)
    rng = random.Random(14)
    operator = make_user(Role.CITY_OPERATOR, username="bench-city")
    web = Client()
    web.force_login(operator)
    _client, key = api_client_create(name="基准系统", can_write=False)
    api = Client(HTTP_X_API_KEY=key)
    points = endpoints(web, api)

    enterprises = make_enterprises(ENTERPRISES)
    make_requests(SMALL, enterprises, rng)
    for fn in points.values():
        fn()  # warm up (sessions, caches)
    small_queries = {name: count_queries(fn) for name, fn in points.items()}

    start = time.perf_counter()
    make_requests(REQUESTS - SMALL, enterprises, rng, start=SMALL)
    figures: dict = {
        "requests": REQUESTS,
        "enterprises": ENTERPRISES,
        "database": connection.vendor,
        "build_s": round(time.perf_counter() - start, 1),
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    growth = []
    for name, fn in points.items():
        fn()
        queries = count_queries(fn)
        p95, median = measure(fn)
        figures[f"{name}_p95_ms"] = round(p95, 1)
        figures[f"{name}_median_ms"] = round(median, 1)
        figures[f"{name}_queries"] = queries
        figures[f"{name}_queries_small"] = small_queries[name]
        growth.append(queries / small_queries[name])
    figures["max_p95_ms"] = max(v for k, v in figures.items() if k.endswith("_p95_ms"))
    figures["query_growth_ratio"] = round(max(growth), 3)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

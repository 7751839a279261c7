"""Benchmark: server time of every page in the navigation, per role, at the demo city.

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_pages.py [N]`` (default
3,000 enterprises: ``manage.py seed_demo``'s city). It builds its own throwaway database (SQLite in a
temporary directory, or PostgreSQL when DATABASE_URL points there), never db.sqlite3. For the city
operator, the 台山 county official and the viewer it requests each navigation page (and the home
workbench and the header search) once to warm up, then ``REPEAT`` times through Django's test client
(server time: view, templates, queries; no network, no browser), and prints the median, the p95 and
the query count per page. The reference measured in the same run is the health check (``/health/``:
one query), so ``p95_ratio`` is how many health checks a page costs. Last line: one JSON object.
The goal of issue 20: every page under 300 ms (p95).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench_pages_")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.test_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

REPEAT = int(os.environ.get("BENCH_PAGES_REPEAT", "7"))
GOAL_MS = 300
ROLES = ("city", "taishan", "viewer")
EXTRA = ("/search/?q=精密", "/enterprises/?ordering=-name", "/tasks/lateness/", "/enterprises/dynamics/criteria/")


def navigation(client: Client) -> list[str]:
    import re

    html = client.get("/").content.decode()
    nav = html.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>\n      ", 1)[0]
    hrefs = [h for h in re.findall(r'href="([^"#][^"]*)"', nav) if not h.startswith("/api/")]
    return list(dict.fromkeys(["/", *hrefs]))


def measure(client: Client, url: str) -> dict:
    client.get(url)  # warm-up
    times, queries, status = [], 0, 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        queries, status = len(captured), response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "queries": queries,
        "status": status,
    }


def main(n: int) -> dict:
    from accounts.models import User

    start = time.perf_counter()
    call_command("seed_demo", enterprises=n, verbosity=0)
    if connection.vendor == "postgresql":  # as autovacuum would after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"demo city of {n} enterprises built in {time.perf_counter() - start:.1f} s")
    results: dict = {}
    reference = None
    for username in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        if reference is None:
            reference = measure(client, "/health/")
            print(f"reference /health/: median {reference['median_ms']} ms, p95 {reference['p95_ms']} ms")
        for url in navigation(client) + list(EXTRA):
            r = measure(client, url)
            if r["status"] != 200:
                continue  # a page this role may not open (403), or a redirect to the own county
            results[f"{username} {url}"] = r
            flag = "" if r["p95_ms"] < GOAL_MS else f"  over {GOAL_MS} ms"
            print(
                f"{username:8} {url:45} median {r['median_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  {r['queries']:3d} queries{flag}"
            )
    slow = sorted((k for k, r in results.items() if r["p95_ms"] >= GOAL_MS), key=lambda k: -results[k]["p95_ms"])
    worst = max(results.values(), key=lambda r: r["p95_ms"])
    summary = {
        "enterprises": n,
        "pages": len(results),
        "pages_over_300ms": len(slow),
        "slow": {k: results[k]["p95_ms"] for k in slow},
        "worst_p95_ms": worst["p95_ms"],
        "home_city_p95_ms": results.get("city /", {}).get("p95_ms"),
        "search_city_p95_ms": results.get("city /search/?q=精密", {}).get("p95_ms"),
        "reference_p95_ms": reference["p95_ms"] if reference else None,
        "worst_p95_ratio": round(worst["p95_ms"] / reference["p95_ms"], 1)
        if reference and reference["p95_ms"]
        else None,
    }
    return summary


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    setup_test_environment()  # the test client's host name is allowed
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        result = main(size)
    finally:
        teardown_databases(old_config, verbosity=0)
    print(json.dumps(result, ensure_ascii=False))

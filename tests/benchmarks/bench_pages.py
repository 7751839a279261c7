"""Benchmark: server time of every page in the navigation, per role, at the demo city.

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_pages.py [--enterprises N]``
(default 3,000 enterprises: ``manage.py seed_demo``'s city; ``--keep`` keeps the database and
reuses a city of the same size on the next run, so a 100k city is built once). It builds its own throwaway database
(SQLite in a temporary directory, or PostgreSQL when DATABASE_URL points there), never db.sqlite3.
Above 3,000 (``--demo``) the demo city is built first and its pages' query counts taken, then it
grows in bulk to N enterprises (``bench_recompute.seed``: titles, 16 quarters of statistics, R&D
institutions, listings) with the progress recomputed; ``query_growth_ratio`` is the largest ratio
of a page's queries at N to its queries at 3,000 (1.0: no query per row). For the city operator,
the 台山 county official and the viewer it requests each navigation page, plus the header search,
the enterprise list sorted and filtered, an enterprise's detail page and the 台山 county page, once
to warm up, then ``REPEAT`` times through Django's test client (server time: view, templates,
queries; no network, no browser), and prints the median, the p95 and the query count per page.
List counts and the ladder are cached until the data changes (``core/counting.py``): the timed
requests read them from the cache, as every view after the first does while nobody writes;
``cold_ms`` is one request with the cache emptied just before (the first view after a change),
and ``pages_over_300ms_cold`` counts the pages over the goal then. Before measuring, the process freezes
what it holds for the garbage collector, as the web service's gunicorn workers do
(``jiangmen_portal/gunicorn_conf.py``).
The reference measured in the same run is the health check (``/health/``: one query), so
``p95_ratio`` is how many health checks a page costs. Last line: one JSON object. The goal of
issues 17 and 20: every page under 300 ms (p95), at 100k enterprises too.
"""

from __future__ import annotations

import gc
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
EXTRA = (
    "/search/?q=精密",
    "/enterprises/?ordering=-name",
    "/enterprises/?county=440781&tier=provincial",
    "/targets/county/440781/",
    "/tasks/lateness/",
    "/enterprises/dynamics/criteria/",
)


def extra_urls() -> list[str]:
    """EXTRA and the detail page of the 台山 enterprise with the most statistics rows."""
    from django.db.models import Count

    from enterprises.models import Enterprise

    busiest = (
        Enterprise.objects.filter(county__code="440781")
        .annotate(n=Count("statistics"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return [*EXTRA, f"/enterprises/{busiest}/"] if busiest else list(EXTRA)


def navigation(client: Client) -> list[str]:
    import re

    html = client.get("/").content.decode()
    nav = html.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>\n      ", 1)[0]
    hrefs = [h for h in re.findall(r'href="([^"#][^"]*)"', nav) if not h.startswith("/api/")]
    return list(dict.fromkeys(["/", *hrefs]))


def measure(client: Client, url: str) -> dict:
    from django.core.cache import cache

    client.get(url)  # warm-up
    cache.clear()  # the first view after the data changed: counts and the ladder computed (core/counting.py)
    start = time.perf_counter()
    client.get(url)
    cold = (time.perf_counter() - start) * 1000
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
        "cold_ms": round(cold, 1),
        "queries": queries,
        "status": status,
    }


def build_city(n: int) -> None:
    start = time.perf_counter()
    call_command("seed_demo", enterprises=n, reset=True, verbosity=0)
    if connection.vendor == "postgresql":  # as autovacuum would after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"demo city of {n} enterprises built in {time.perf_counter() - start:.1f} s")


def pages_of(username: str) -> tuple[Client, list[str]]:
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client, navigation(client) + extra_urls()


def same(key: str) -> str:
    """A page's key with the row it names left out (the detail page's enterprise differs by city)."""
    import re

    return re.sub(r"/\d+/", "/<pk>/", key)


def query_counts() -> dict[str, int]:
    """Each page's query count, asked once after a warm-up (the small city)."""
    counts = {}
    for username in ROLES:
        client, urls = pages_of(username)
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code == 200:
                counts[same(f"{username} {url}")] = len(captured)
    return counts


def grow_city(extra: int) -> None:
    """Add ``extra`` enterprises to the demo city in bulk (``bench_recompute.seed``: titles, 16
    quarters of statistics dated as entered the month after each quarter, R&D institutions,
    listings; in chunks of 10,000), then recompute the progress snapshot and the reserve pool's
    verdicts and vacuum and analyse as autovacuum would: a city of the size of a province."""
    import random

    from tests.benchmarks.bench_recompute import seed

    start, rng, done = time.perf_counter(), random.Random(20261130), 0
    while done < extra:
        chunk = min(10_000, extra - done)
        seed(chunk, done, rng, entered_in_time=True)
        done += chunk
    call_command("recompute_progress", no_history=True, verbosity=0)
    call_command("refresh_reserve_verdicts", verbosity=0)  # as the job after a recompute does
    if connection.vendor == "postgresql":  # autovacuum vacuums and analyses after bulk inserts (PostgreSQL 13+):
        with connection.cursor() as cursor:  # the visibility map lets counts and keys use index-only scans
            cursor.execute("VACUUM ANALYZE")
    print(f"grown by {extra} enterprises in bulk in {time.perf_counter() - start:.1f} s")


def main(n: int, demo: int, reuse: bool = False) -> dict:
    from enterprises.models import Enterprise

    small_counts: dict[str, int] = {}
    counts_file = Path(tempfile.gettempdir()) / f"bench_pages_counts_{connection.settings_dict['NAME']}_{n}.json"
    if reuse and Enterprise.objects.count() == n:  # --keep: the city of an earlier run, as it was left
        print(f"reusing the city of {n} enterprises kept by an earlier --keep run")
        if counts_file.exists():
            small_counts = json.loads(counts_file.read_text())
    else:
        build_city(min(n, demo))
        if n > demo:  # the query counts at the demo city, then at N
            small_counts = query_counts()
            grow_city(n - demo)
        if reuse:
            counts_file.write_text(json.dumps(small_counts))
    small = demo
    # As the web service's workers do once the application is loaded (jiangmen_portal/gunicorn_conf.py):
    # what this process holds so far (Django, the apps, the seeding's leftovers) is frozen for the
    # garbage collector, whose full passes then walk only what the measured requests leave behind.
    gc.collect()
    gc.freeze()
    results: dict = {}
    reference = None
    for username in ROLES:
        client, urls = pages_of(username)
        if reference is None:
            reference = measure(client, "/health/")
            print(f"reference /health/: median {reference['median_ms']} ms, p95 {reference['p95_ms']} ms")
        for url in urls:
            r = measure(client, url)
            if r["status"] != 200:
                continue  # a page this role may not open (403), or a redirect to the own county
            results[f"{username} {url}"] = r
            flag = "" if r["p95_ms"] < GOAL_MS else f"  over {GOAL_MS} ms"
            before = small_counts.get(same(f"{username} {url}"))
            growth = f" ({before} at {small})" if before is not None else ""
            print(
                f"{username:8} {url:45} median {r['median_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
                f"cold {r['cold_ms']:7.1f} ms  {r['queries']:3d} queries{growth}{flag}"
            )
    slow = sorted((k for k, r in results.items() if r["p95_ms"] >= GOAL_MS), key=lambda k: -results[k]["p95_ms"])
    worst = max(results.values(), key=lambda r: r["p95_ms"])
    growth = [results[k]["queries"] / small_counts[same(k)] for k in results if small_counts.get(same(k))]
    summary = {
        "enterprises": n,
        "pages": len(results),
        "pages_over_300ms": len(slow),
        "slow": {k: results[k]["p95_ms"] for k in slow},
        "pages_over_300ms_cold": sum(1 for r in results.values() if r["cold_ms"] >= GOAL_MS),
        "slow_cold": {
            k: r["cold_ms"]
            for k, r in sorted(results.items(), key=lambda kv: -kv[1]["cold_ms"])
            if r["cold_ms"] >= GOAL_MS
        },
        "worst_p95_ms": worst["p95_ms"],
        "worst_page": max(results, key=lambda k: results[k]["p95_ms"]),
        "home_city_p95_ms": results.get("city /", {}).get("p95_ms"),
        "search_city_p95_ms": results.get("city /search/?q=精密", {}).get("p95_ms"),
        "reference_p95_ms": reference["p95_ms"] if reference else None,
        "worst_p95_ratio": round(worst["p95_ms"] / reference["p95_ms"], 1)
        if reference and reference["p95_ms"]
        else None,
        "query_counts_compared_at": small if small_counts else None,
        "query_growth_ratio": round(max(growth), 2) if growth else None,
        "by_page": {
            k: {"median_ms": r["median_ms"], "p95_ms": r["p95_ms"], "cold_ms": r["cold_ms"], "queries": r["queries"]}
            for k, r in results.items()
        },
    }
    return summary


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", type=int, help=argparse.SUPPRESS)  # the old positional form
    parser.add_argument("--enterprises", type=int, default=3000)
    parser.add_argument("--demo", type=int, default=3000, help="the demo city built first (seed_demo)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the test database, and reuse it when it already holds a city of this size (PostgreSQL)",
    )
    args = parser.parse_args()
    setup_test_environment()  # the test client's host name is allowed
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=args.keep, serialized_aliases=set())
    try:
        result = main(args.size or args.enterprises, args.demo, reuse=args.keep)
    finally:
        teardown_databases(old_config, verbosity=0, keepdb=args.keep)
    print(json.dumps(result, ensure_ascii=False))

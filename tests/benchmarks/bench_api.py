"""Benchmark of the REST API's enterprise list at 10,000 enterprises.

    .venv/bin/python tests/benchmarks/bench_api.py [--enterprises 10000] [--seconds 20]

1. In-process (Django test client, full middleware stack): median and p95 latency of
   ``GET /api/v1/enterprises/?page_size=N&page=3`` with an API key, for N = 100 and 1000, measured
   interleaved with a plain ``values()`` + ``JsonResponse`` view of the same rows (same columns,
   current tier, tag codes; no serializer, no auth, no count) in the same run. ``p95_ratio`` =
   API p95 / reference p95 (goal: at most 2). The API's ``count`` is cached until the data
   changes (``core/counting.py``); ``page_100_count_cache_off`` is page 100 counted on every
   request (``COUNT_CACHE_SECONDS=0``). The same at the last page of 100 (``deep_page_100``),
   and a full synchronisation by cursor in pages of 1000 (``cursor_sync_1000``) against keyset pages
   of the reference (goal: 100k enterprises in under 30 s).
2. Under gunicorn on loopback (``bench_api_wsgi.py``: the portal plus the reference view, so both
   are served by the same gunicorn in the same run): 16 concurrent clients, (a) on random page
   numbers of 100 over the whole list, (b) each doing a full sync, the API by cursor (``next``
   links) and the reference by keyset (``after=<last id>``); each side twice for half of
   ``--seconds``, the order swapped. Throughput, median, p95, errors per side;
   ``throughput_ratio`` = API / reference (goal: at least 0.5; p95 under 500 ms, zero errors).
   The whole gunicorn part runs once per ``--conn-max-age`` value (default 0 and 60: one database
   connection per request against persistent connections, ``DATABASE_CONN_MAX_AGE``);
   ``persistent_connections_throughput_ratio`` compares the API's random-page throughput of the two.

It builds its own throwaway database (a temporary SQLite file, or a ``<name>_bench_api`` PostgreSQL
database when DATABASE_URL points to PostgreSQL), never touches db.sqlite3, and prints one JSON
object as its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds):
    return round(seconds * 1000, 2)


# --------------------------------------------------------------------------------------------------
# Database
# --------------------------------------------------------------------------------------------------


def prepare_database(tmpdir: Path) -> tuple[str, callable]:
    """Point DATABASE_URL at a throwaway database; return (label, cleanup)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg2

        parsed = urlparse(url)
        name = f"{parsed.path.lstrip('/') or 'jm'}_bench_api"
        admin = psycopg2.connect(urlunparse(parsed._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))

        def cleanup():
            from django.db import connections

            connections.close_all()
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

        return "postgresql", cleanup
    path = tmpdir / "bench_api.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return "sqlite", lambda: None


def seed(n: int, rng: random.Random) -> None:
    from django.core.management import call_command

    from accounts.models import Place
    from enterprises.identifiers import make_credit_code
    from enterprises.models import Enterprise, Industry, Tag, Tier, Title, add_years

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    counties = list(Place.objects.filter(level="county"))
    industries = list(Industry.objects.filter(level="division")) or [None]
    tags = list(Tag.objects.all())
    tiers = list(Tier.objects.order_by("rank"))
    rows = [
        Enterprise(
            credit_code=make_credit_code((c := rng.choice(counties)).code, 1_000_000 + i),
            name=f"江门基准测试{i:05d}有限公司",
            county=c,
            industry=rng.choice(industries),
            niche_market="精密零部件",
            address=f"{c.name}工业大道{i}号",
            established_on=dt.date(2000 + rng.randrange(20), rng.randrange(1, 13), rng.randrange(1, 28)),
            contact_person="张三",
            contact_phone=f"138{rng.randrange(10**8):08d}",
        )
        for i in range(n)
    ]
    Enterprise.objects.bulk_create(rows, batch_size=2000)
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    through = Enterprise.tags.through
    links = [through(enterprise_id=pk, tag_id=t.pk) for pk in ids for t in rng.sample(tags, k=rng.randrange(0, 3))]
    through.objects.bulk_create(links, batch_size=5000)
    titles = []
    for pk in ids:
        for tier in tiers[: rng.choice([0, 1, 1, 2, 3])]:
            recognised = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(600))
            titles.append(
                Title(
                    enterprise_id=pk,
                    tier=tier,
                    recognised_on=recognised,
                    valid_until=add_years(recognised, tier.validity_years),
                )
            )
    Title.objects.bulk_create(titles, batch_size=5000)
    from django.db import connection

    if connection.vendor == "postgresql":  # autovacuum vacuums and analyses after bulk inserts (PostgreSQL 13+)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# --------------------------------------------------------------------------------------------------
# Reference view: plain values() + JsonResponse of the same rows
# --------------------------------------------------------------------------------------------------


def reference_view(request):
    from django.http import JsonResponse

    from enterprises.models import Enterprise, Tier

    size = min(int(request.GET.get("page_size", 100)), 1000)
    page = int(request.GET.get("page", 1))
    fields = (
        "id",
        "credit_code",
        "name",
        "county__code",
        "county__name",
        "industry__code",
        "niche_market",
        "address",
        "established_on",
        "contact_person",
        "contact_phone",
        "status",
        "current_tier_id",
        "version",
        "created_at",
        "updated_at",
    )
    queryset = Enterprise.objects.with_current_tier().order_by("pk").values(*fields)
    if "after" in request.GET:  # keyset, as the API's cursor pages
        rows = list(queryset.filter(pk__gt=int(request.GET["after"]))[:size])
    else:
        rows = list(queryset[(page - 1) * size : page * size])
    tiers = dict(Tier.objects.values_list("pk", "code"))
    tags: dict[int, list[str]] = {}
    through = Enterprise.tags.through
    for eid, code in through.objects.filter(enterprise_id__in=[r["id"] for r in rows]).values_list(
        "enterprise_id", "tag__code"
    ):
        tags.setdefault(eid, []).append(code)
    for row in rows:
        row["current_tier"] = tiers.get(row.pop("current_tier_id"))
        row["tags"] = tags.get(row["id"], [])
    return JsonResponse({"results": rows})


def install_reference_urlconf():
    from django.conf import settings
    from django.urls import include, path

    module = types.ModuleType("bench_api_urls")
    module.urlpatterns = [path("bench/reference/", reference_view), path("", include("jiangmen_portal.urls"))]
    sys.modules["bench_api_urls"] = module
    settings.ROOT_URLCONF = "bench_api_urls"


# --------------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------------


def in_process(key: str, size: int, rounds: int, page: int = 3, total: int = 10_000) -> dict:
    from django.test import Client

    client = Client()
    api_url, ref_url = "/api/v1/enterprises/", "/bench/reference/"
    params = {"page_size": size, "page": max(1, min(page, total // size))}
    api, ref = [], []
    for i in range(rounds + 3):
        for which in (api, ref) if i % 2 else (ref, api):  # interleaved, alternating order
            start = time.perf_counter()
            if which is api:
                response = client.get(api_url, params, HTTP_X_API_KEY=key)
            else:
                response = client.get(ref_url, params)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.content[:300]
            assert len(json.loads(response.content)["results"]) == size
            if i >= 3:  # warm-up
                which.append(elapsed)
    api_p95, ref_p95 = percentile(api, 95), percentile(ref, 95)
    return {
        "rows": size,
        "requests": rounds,
        "api_median_ms": ms(statistics.median(api)),
        "api_p95_ms": ms(api_p95),
        "reference_median_ms": ms(statistics.median(ref)),
        "reference_p95_ms": ms(ref_p95),
        "median_ratio": round(statistics.median(api) / statistics.median(ref), 2),
        "p95_ratio": round(api_p95 / ref_p95, 2),
    }


def cursor_sync(key: str, size: int, total: int) -> dict:
    """A full synchronisation by cursor (``?cursor=`` then each ``next``) against the reference's
    keyset pages (``WHERE id > last LIMIT size``) of the same rows, interleaved page by page."""
    from urllib.parse import urlsplit

    from django.test import Client

    client = Client()
    api, ref = [], []
    cursor_url: str | None = f"/api/v1/enterprises/?cursor=&page_size={size}"
    after, rows = 0, 0
    started = time.perf_counter()
    while cursor_url:
        start = time.perf_counter()
        response = client.get(cursor_url, HTTP_X_API_KEY=key)
        api.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
        body = json.loads(response.content)
        rows += len(body["results"])
        nxt = body["next"]
        cursor_url = f"{urlsplit(nxt).path}?{urlsplit(nxt).query}" if nxt else None
        start = time.perf_counter()
        reference = json.loads(client.get("/bench/reference/", {"page_size": size, "after": after}).content)
        ref.append(time.perf_counter() - start)
        after = reference["results"][-1]["id"] if reference["results"] else after
    wall = time.perf_counter() - started
    assert rows == total, (rows, total)
    return {
        "rows": rows,
        "page_size": size,
        "pages": len(api),
        "api_seconds": round(sum(api), 2),
        "reference_seconds": round(sum(ref), 2),
        "wall_seconds_both": round(wall, 2),
        "api_p95_ms": ms(percentile(api, 95)),
        "reference_p95_ms": ms(percentile(ref, 95)),
        "p95_ratio": round(percentile(api, 95) / percentile(ref, 95), 2),
        "total_ratio": round(sum(api) / sum(ref), 2),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """The portal (and the reference view) under gunicorn on loopback: ``2 × cores + 1`` sync
    workers, as the Dockerfile's default; ``env`` adds settings (``DATABASE_CONN_MAX_AGE``)."""

    def __init__(self, key: str, env: dict[str, str] | None = None):
        self.key = key
        self.port = free_port()
        self.workers = min(2 * (os.cpu_count() or 1) + 1, 9)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.server = subprocess.Popen(
            [
                gunicorn,
                "tests.benchmarks.bench_api_wsgi:application",
                "--config",  # as docker-compose.yml's web service: the application frozen for the GC
                str(ROOT / "jiangmen_portal" / "gunicorn_conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
                "--chdir",
                str(ROOT),
            ],
            env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1", **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def get(self, path: str, *, api: bool, timeout: float = 30) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"X-API-Key": self.key} if api else {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def __enter__(self):
        deadline = time.monotonic() + 30
        while True:  # wait until it answers
            try:
                if self.get("/api/v1/places/", api=True, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.server.poll() is not None:
                self.__exit__()
                raise RuntimeError("gunicorn did not start: " + self.server.stderr.read().decode()[-2000:])
            time.sleep(0.2)
        for _ in range(self.workers * 3):  # warm every worker, both views
            self.get("/api/v1/enterprises/?page_size=100", api=True)
            self.get("/bench/reference/?page_size=100", api=False)
        return self

    def __exit__(self, *exc):
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()

    def load(self, next_path, *, api: bool, clients: int, max_requests: int, seconds: float) -> dict:
        """``clients`` threads, each asking ``next_path(state)`` (path, or None when its walk is
        over) in turn, until ``max_requests`` or ``seconds``: throughput and latency."""
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        issued = [0]
        stop_at = time.monotonic() + seconds

        def worker(seed_: int):
            state: dict = {"rng": random.Random(seed_), "body": None}
            while True:
                path = next_path(state)
                with lock:
                    if path is None or issued[0] >= max_requests or time.monotonic() > stop_at:
                        return
                    issued[0] += 1
                start = time.perf_counter()
                try:
                    status, body = self.get(path, api=api)
                    ok = status == 200
                    state["body"] = json.loads(body) if ok else None
                except (OSError, ValueError):
                    ok = False
                elapsed = time.perf_counter() - start
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1
                        return

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        return {
            "requests": len(latencies),
            "errors": errors[0],
            "seconds": round(wall, 2),
            "throughput_rps": round(len(latencies) / wall, 1) if wall else None,
            "median_ms": ms(statistics.median(latencies)) if latencies else None,
            "p95_ms": ms(percentile(latencies, 95)) if latencies else None,
            "latencies": latencies,
        }


def random_pages(base: str, pages: int):
    """Page numbers drawn at random over the whole list (deep pages included)."""

    def next_path(state):
        return f"{base}?page_size=100&page={state['rng'].randrange(1, pages + 1)}"

    return next_path


def api_cursor_walk(state):
    """A full sync by cursor: the first page, then each ``next`` link until there is none."""
    body = state["body"]
    if body is None:
        return "/api/v1/enterprises/?cursor=&page_size=100"
    nxt = body.get("next")
    if not nxt:
        return None
    parts = urlparse(nxt)
    return f"{parts.path}?{parts.query}"


def reference_keyset_walk(state):
    """The reference's sync: keyset pages (``WHERE id > last ORDER BY id LIMIT 100``)."""
    body = state["body"]
    if body is None:
        return "/bench/reference/?page_size=100&after=0"
    if not body["results"]:
        return None
    return f"/bench/reference/?page_size=100&after={body['results'][-1]['id']}"


def under_gunicorn(key: str, *, clients: int, max_requests: int, seconds: float, total_rows: int, env=None) -> dict:
    """Random page numbers and a full cursor sync, the API against the reference served by the
    same gunicorn, interleaved: each side twice, half the time each, the order swapped."""
    pages = max(1, total_rows // 100)
    scenarios = {
        "random_pages": (
            random_pages("/api/v1/enterprises/", pages),
            random_pages("/bench/reference/", pages),
        ),
        "cursor_sync": (api_cursor_walk, reference_keyset_walk),
    }
    result: dict = {}
    with Gunicorn(key, env) as server:
        result["workers"] = server.workers
        result["clients"] = clients
        for name, (api_walk, ref_walk) in scenarios.items():
            runs: dict[str, list[dict]] = {"api": [], "reference": []}
            for order in (("reference", "api"), ("api", "reference")):
                for side in order:
                    walk = api_walk if side == "api" else ref_walk
                    runs[side].append(
                        server.load(
                            walk,
                            api=side == "api",
                            clients=clients,
                            max_requests=max_requests // 2,
                            seconds=seconds / 2,
                        )
                    )
            merged = {}
            for side, parts in runs.items():
                latencies = [x for p in parts for x in p["latencies"]]
                wall = sum(p["seconds"] for p in parts)
                merged[side] = {
                    "requests": len(latencies),
                    "errors": sum(p["errors"] for p in parts),
                    "throughput_rps": round(len(latencies) / wall, 1) if wall else None,
                    "median_ms": ms(statistics.median(latencies)) if latencies else None,
                    "p95_ms": ms(percentile(latencies, 95)) if latencies else None,
                }
            merged["throughput_ratio"] = (
                round(merged["api"]["throughput_rps"] / merged["reference"]["throughput_rps"], 2)
                if merged["reference"]["throughput_rps"]
                else None
            )
            result[name] = merged
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--rounds-100", type=int, default=60)
    parser.add_argument("--rounds-1000", type=int, default=40)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario and side under gunicorn")
    parser.add_argument(
        "--conn-max-age",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[0, 60],
        help="DATABASE_CONN_MAX_AGE values to serve with, each a gunicorn run (default 0,60)",
    )
    args = parser.parse_args()

    tmpdir = Path(tempfile.mkdtemp(prefix="bench_api_"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "jiangmen_portal.settings",
            "TESTING": "1",
            "DEBUG": "0",
            "API_THROTTLE_RATE": "10000000/minute",
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "0",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
        }
    )
    os.environ.pop("REDIS_URL", None)
    database, cleanup = prepare_database(tmpdir)

    import django

    django.setup()
    try:
        rng = random.Random(20261127)
        t0 = time.perf_counter()
        seed(args.enterprises, rng)
        print(f"seeded {args.enterprises} enterprises in {time.perf_counter() - t0:.1f}s ({database})")

        from accounts.api.services import api_client_create

        _, key = api_client_create(name="基准测试", can_write=False)
        install_reference_urlconf()
        page_100 = in_process(key, 100, args.rounds_100, total=args.enterprises)
        print("page_100 ", page_100)
        from django.test import override_settings

        with override_settings(COUNT_CACHE_SECONDS=0):  # every page counts its rows (core/counting.py off)
            page_100_uncached = in_process(key, 100, args.rounds_100, total=args.enterprises)
        print("page_100 without the count cache", page_100_uncached)
        page_1000 = in_process(key, 1000, args.rounds_1000, total=args.enterprises)
        print("page_1000", page_1000)
        # the last pages (OFFSET n - size): page numbers at depth; annotations only for the page's rows
        deep_100 = in_process(key, 100, args.rounds_100 // 2, page=args.enterprises // 100, total=args.enterprises)
        print("deep_100 ", deep_100)
        sync = cursor_sync(key, 1000, args.enterprises)
        print("cursor_sync", sync)
        from django.db import connections

        connections.close_all()
        served = {}
        for age in args.conn_max_age:
            served[f"conn_max_age_{age}"] = under_gunicorn(
                key,
                clients=args.clients,
                max_requests=args.max_requests,
                seconds=args.seconds,
                total_rows=args.enterprises,
                env={"DATABASE_CONN_MAX_AGE": str(age)},
            )
            print(f"gunicorn (DATABASE_CONN_MAX_AGE={age})", served[f"conn_max_age_{age}"])
        if len(args.conn_max_age) == 2:  # persistent connections against one per request
            first, second = (served[f"conn_max_age_{age}"] for age in args.conn_max_age)
            served["persistent_connections_throughput_ratio"] = round(
                second["random_pages"]["api"]["throughput_rps"] / first["random_pages"]["api"]["throughput_rps"], 2
            )
    finally:
        cleanup()
        shutil.rmtree(tmpdir, ignore_errors=True)
    print(
        json.dumps(
            {
                "benchmark": "api",
                "database": database,
                "enterprises": args.enterprises,
                "page_100": page_100,
                "page_100_count_cache_off": page_100_uncached,
                "page_1000": page_1000,
                "deep_page_100": deep_100,
                "cursor_sync_1000": sync,
                "gunicorn": served,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

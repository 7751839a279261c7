"""Benchmark of the REST API's enterprise list at 10,000 enterprises.

    .venv/bin/python tests/benchmarks/bench_api.py [--enterprises 10000] [--seconds 20]

1. In-process (Django test client, full middleware stack): median and p95 latency of
   ``GET /api/v1/enterprises/?page_size=N&page=3`` with an API key, for N = 100 and 1000, measured
   interleaved with a plain ``values()`` + ``JsonResponse`` view of the same rows (same columns,
   current tier, tag codes; no serializer, no auth, no count) in the same run. ``p95_ratio`` =
   API p95 / reference p95 (goal: at most 2). The same at the last page of 100 (``deep_page_100``),
   and a full synchronisation by cursor in pages of 1000 (``cursor_sync_1000``) against keyset pages
   of the reference (goal: 100k enterprises in under 30 s).
2. Under gunicorn on loopback: 16 concurrent clients requesting pages of 100 (varying page
   numbers), bounded by a request count and a time limit; throughput and latency percentiles.

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


def under_gunicorn(key: str, *, clients: int, max_requests: int, seconds: float, total_rows: int) -> dict:
    port = free_port()
    workers = min(2 * (os.cpu_count() or 1) + 1, 9)
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1"}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [
            gunicorn,
            "jiangmen_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # wait until it answers
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/places/", headers={"X-API-Key": key})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start: " + server.stderr.read().decode()[-2000:])
            time.sleep(0.2)
        # warm every worker
        for _ in range(workers * 3):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/enterprises/?page_size=100", headers={"X-API-Key": key})
            conn.getresponse().read()

        pages = max(1, total_rows // 100)
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        issued = [0]
        stop_at = time.monotonic() + seconds

        def worker(seed_: int):
            rng = random.Random(seed_)
            while True:
                with lock:
                    if issued[0] >= max_requests or time.monotonic() > stop_at:
                        return
                    issued[0] += 1
                path = f"/api/v1/enterprises/?page_size=100&page={rng.randrange(1, pages + 1)}"
                start = time.perf_counter()
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("GET", path, headers={"X-API-Key": key})
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                    conn.close()
                except OSError:
                    ok = False
                elapsed = time.perf_counter() - start
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        "clients": clients,
        "workers": workers,
        "rows_per_request": 100,
        "requests": len(latencies),
        "errors": errors[0],
        "seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 1) if wall else None,
        "median_ms": ms(statistics.median(latencies)) if latencies else None,
        "p95_ms": ms(percentile(latencies, 95)) if latencies else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--rounds-100", type=int, default=60)
    parser.add_argument("--rounds-1000", type=int, default=40)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0)
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
        page_1000 = in_process(key, 1000, args.rounds_1000, total=args.enterprises)
        print("page_1000", page_1000)
        # the last pages (OFFSET n - size): page numbers at depth; annotations only for the page's rows
        deep_100 = in_process(key, 100, args.rounds_100 // 2, page=args.enterprises // 100, total=args.enterprises)
        print("deep_100 ", deep_100)
        sync = cursor_sync(key, 1000, args.enterprises)
        print("cursor_sync", sync)
        from django.db import connections

        connections.close_all()
        served = under_gunicorn(
            key, clients=args.clients, max_requests=args.max_requests, seconds=args.seconds, total_rows=args.enterprises
        )
        print("gunicorn ", served)
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

"""Benchmark: statistics import of 100,000 and 200,000 rows, against a reference in the same run.

    .venv/bin/python tests/benchmarks/bench_import.py            # throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jm_bench4 .venv/bin/python tests/benchmarks/bench_import.py

With PostgreSQL it creates (and finally drops) the database ``<name>_run``; it never touches
db.sqlite3. For each size it generates a workbook from the template (one row per enterprise and
quarter of 2024, every column filled), then measures ``BENCH_RUNS`` times (default 3, interleaved;
the run with the median total counts, peak memory is the highest), each in a fresh child process so
that peak memory (ru_maxrss) belongs to that run alone, on an empty statistics table:

- the import: the commit job as in production (calamine read, every row check, staging table,
  upsert, the change rows with every figure before and after — the undo's source and the audit
  trail of the bulk write — and the audit entry that seals them with their SHA-256). The
  dashboards' recompute that the commit asks for is queued, as in production, where another job
  runs it (``bench_recompute.py`` measures that job);
- the reference: calamine parse + COPY (SQLite: executemany) into a staging table + INSERT … ON
  CONFLICT upsert, without checks, undo records or audit.

- the roster import (issue 18): 100,000 new enterprises through the engine's roster kind (every
  row check, staging, the set-based insert, change rows, audit seal), compared with the 100k
  statistics reference, run in the same interleaved rounds (reference, import, roster).

The last line is one JSON object: {"rows_100k": {"ratio", "total_seconds", "peak_mb", …}, "rows_200k": …,
"roster_100k": {"ratio", …}}.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SIZES = {"rows_100k": 100_000, "rows_200k": 200_000}
if os.environ.get("BENCH_SIZES") == "100k":  # a quicker run: the 100k sizes only
    SIZES = {"rows_100k": 100_000}
QUARTERS = 4  # 2024Q1–Q4: enterprises = rows / 4
RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # each side runs this often; the median run counts


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.settings")
    os.environ.setdefault("TESTING", "1")
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench_import_media_"))
    # 200,000 rows of all 19 template columns make a ~21 MB workbook: above the 20 MB default limit
    os.environ.setdefault("PORTAL_MAX_UPLOAD_BYTES", str(64 * 1024 * 1024))
    import django

    django.setup()


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu_seconds() -> float:
    """CPU time of this process (not the database server's): steadier than wall time on a busy host."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- children ------------------------------------------------------------------------------------


def child_import(path: str, username: str) -> dict:
    from django.core.files import File

    from accounts.models import User
    from enterprises.imports import services
    from enterprises.models import ImportState
    from jiangmen_portal.celery import app

    # production: the commit queues the dashboards' recompute for another worker (here: an in-memory
    # queue nobody reads) instead of running it inline as the eager embedded default would
    app.conf.update(task_always_eager=False, broker_url="memory://")
    user = User.objects.get(username=username)
    with open(path, "rb") as fh:
        upload = File(fh, name="bench.xlsx")
        upload.size = os.path.getsize(path)
        imp = services.statistic_import_create(actor=user, uploaded_file=upload, enqueue=False)
    # straight to the commit job, as after a confirmed preview (it checks the file again itself)
    imp.state = ImportState.CHECKED
    imp.save(update_fields=["state"])
    started, cpu = time.perf_counter(), _cpu_seconds()
    imp = services.statistic_import_commit(import_id=imp.pk)
    total, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    assert imp.state == ImportState.COMMITTED, (imp.state, imp.message, imp.errors[:5])
    t = imp.timings
    return {
        "parse_seconds": t["parse"],
        "validate_seconds": t["validate"],
        "write_seconds": t["write"],
        "audit_seconds": t.get("audit", 0.0),
        "total_seconds": round(total, 3),
        "rows": imp.row_count,
        "new": imp.new_count,
        "errors": imp.error_count,
        "peak_mb": _peak_mb(),
        "cpu_seconds": round(cpu, 3),
    }


def child_roster(path: str, username: str) -> dict:
    """The roster kind's commit job on 100,000 new enterprises."""
    from django.core.files import File

    from accounts.models import User
    from enterprises.imports import services
    from enterprises.models import ImportState
    from jiangmen_portal.celery import app

    app.conf.update(task_always_eager=False, broker_url="memory://")
    user = User.objects.get(username=username)
    with open(path, "rb") as fh:
        upload = File(fh, name="roster.xlsx")
        upload.size = os.path.getsize(path)
        imp = services.statistic_import_create(actor=user, uploaded_file=upload, enqueue=False, kind="roster")
    imp.state = ImportState.CHECKED
    imp.save(update_fields=["state"])
    started, cpu = time.perf_counter(), _cpu_seconds()
    imp = services.statistic_import_commit(import_id=imp.pk)
    total, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    assert imp.state == ImportState.COMMITTED, (imp.state, imp.message, imp.errors[:5])
    t = imp.timings
    return {
        "parse_seconds": t["parse"],
        "validate_seconds": t["validate"],
        "write_seconds": t["write"],
        "total_seconds": round(total, 3),
        "audit_seconds": t.get("audit", 0.0),
        "rows": imp.row_count,
        "new": imp.new_count,
        "errors": imp.error_count,
        "peak_mb": _peak_mb(),
        "cpu_seconds": round(cpu, 3),
    }


def _write_roster(path: str, counties: list, n: int) -> None:
    from openpyxl import Workbook

    from enterprises.identifiers import make_credit_code
    from enterprises.imports.roster import COLUMNS
    from enterprises.imports.template import template_header

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名录")
    ws.append([template_header(c) for c in COLUMNS])
    for i in range(n):
        county = counties[i % len(counties)]
        ws.append(
            [
                make_credit_code(county.code, 900_000 + i),
                f"名录测试企业{i}有限公司",
                county.name,
                "34",
                "精密制造",
                f"{county.name}示例路{i}号",
                f"20{10 + i % 14}-0{1 + i % 9}-1{i % 10}",
                "张三",
                f"138{i:08d}",
            ]
        )
    wb.save(path)


def child_reference(path: str) -> dict:
    """calamine parse + staging load + upsert: the floor the import is compared with."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from enterprises.imports import writer
    from enterprises.imports.columns import DATA_SHEET
    from enterprises.models import Enterprise, Statistic

    started, cpu = time.perf_counter(), _cpu_seconds()
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_name(DATA_SHEET)
    rows = iter(sheet.iter_rows())
    next(rows)
    ids = dict(Enterprise.objects.values_list("credit_code", "id"))
    lines = []
    for n, r in enumerate(rows, start=2):
        year, quarter = int(r[2][:4]), int(r[2][-1])
        figures = [
            "\\N"
            if v == ""
            else "1"
            if v == "是"
            else "0"
            if v == "否"
            else str(int(v))
            if isinstance(v, float) and v.is_integer()
            else str(v)
            for v in r[3:]
        ]
        lines.append(f"{n}\t{ids[r[0]]}\t{year}\t{quarter}\t" + "\t".join(figures))
    parsed = time.perf_counter()
    with transaction.atomic():
        writer.create_staging()
        writer.load_staging(lines)
        cols = ", ".join(Statistic.FIGURE_FIELDS)
        updates = ", ".join(f"{f} = excluded.{f}" for f in Statistic.FIGURE_FIELDS)
        now = connection.ops.adapt_datetimefield_value(__import__("django.utils.timezone").utils.timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO enterprises_statistic (enterprise_id, year, quarter, {cols}, version, created_at, "
                f"updated_at) SELECT enterprise_id, year, quarter, {cols}, 1, %s, %s FROM {writer.STAGING} WHERE 1=1 "
                f"ON CONFLICT (enterprise_id, year, quarter) DO UPDATE SET {updates}, version = "
                f"enterprises_statistic.version + 1",
                [now, now],
            )
        writer.drop_staging()
    done = time.perf_counter()
    return {
        "parse_seconds": round(parsed - started, 3),
        "write_seconds": round(done - parsed, 3),
        "total_seconds": round(done - started, 3),
        "peak_mb": _peak_mb(),
        "cpu_seconds": round(_cpu_seconds() - cpu, 3),
    }


# -- parent --------------------------------------------------------------------------------------


def _database() -> tuple[str, callable]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg2

        parts = urlsplit(url)
        name = parts.path.lstrip("/") + "_run"
        admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')

        def drop():
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

        return urlunsplit(parts._replace(path="/" + name)), drop
    tmp = tempfile.mkdtemp(prefix="bench_import_")
    return f"sqlite:///{tmp}/bench.sqlite3", lambda: None


def _median_run(runs: list[dict]) -> dict:
    """The run with the median total time (its own breakdown, not a mix of runs)."""
    return sorted(runs, key=lambda r: r["total_seconds"])[len(runs) // 2]


def _write_workbook(path: str, codes: list[str], rng: random.Random) -> None:
    from openpyxl import Workbook

    from enterprises.imports.columns import COLUMNS, DATA_SHEET, template_header

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.append([template_header(c) for c in COLUMNS])
    for quarter in range(1, QUARTERS + 1):
        for i, code in enumerate(codes):
            revenue = round(rng.uniform(500, 50_000), 2)
            ws.append(
                [
                    code,
                    f"基准测试企业{i}有限公司",
                    f"2024Q{quarter}",
                    round(revenue * 1.05, 2),
                    revenue,
                    round(revenue * 0.9, 2),
                    round(rng.uniform(-500, 3000), 2),
                    round(revenue * 2, 2),
                    round(revenue * 0.9, 2),
                    round(revenue * 0.04, 2),
                    round(revenue * 0.1, 2),
                    rng.randint(20, 900),
                    rng.randint(2, 90),
                    rng.randint(0, 30),
                    rng.randint(0, 40),
                    rng.randint(0, 20),
                    rng.randint(1, 4),
                    rng.choice(("是", "否")),
                    rng.choice(("是", "否")),
                ]
            )
    ws2 = wb.create_sheet("填表说明")
    ws2.append(["基准测试"])
    wb.save(path)


def _child(mode: str, path: str, database_url: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, path],
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    database_url, drop = _database()
    try:
        _setup_django(database_url)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)
        from accounts.choices import Role
        from accounts.models import Place, User
        from enterprises.identifiers import make_credit_code
        from enterprises.models import Enterprise

        User.objects.create(username="bench-city", role=Role.CITY_OPERATOR, must_change_password=False)
        counties = list(Place.objects.filter(level="county"))
        most = max(SIZES.values()) // QUARTERS
        enterprises = [
            Enterprise(
                credit_code=make_credit_code(counties[i % len(counties)].code, 500_000 + i),
                name=f"基准测试企业{i}有限公司",
                county=counties[i % len(counties)],
            )
            for i in range(most)
        ]
        Enterprise.objects.bulk_create(enterprises, batch_size=5000)
        codes = [e.credit_code for e in enterprises]
        connection.close()
        rng = random.Random(4)
        results = {}
        with tempfile.TemporaryDirectory(prefix="bench_import_files_") as tmp:
            # the roster kind: 100,000 new enterprises, run in the rounds of the 100k statistics reference
            roster_path = os.path.join(tmp, "roster_100k.xlsx")
            _write_roster(roster_path, counties, 100_000)
            with connection.cursor() as cursor:
                cursor.execute("SELECT MAX(id) FROM enterprises_enterprise")
                last_id = cursor.fetchone()[0]
            roster_runs: list[dict] = []
            for key, rows in SIZES.items():
                path = os.path.join(tmp, f"{key}.xlsx")
                t0 = time.perf_counter()
                _write_workbook(path, codes[: rows // QUARTERS], rng)
                print(
                    f"{key}: generated {rows} rows, {os.path.getsize(path) / 1024 / 1024:.1f} MB in "
                    f"{time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
                runs: dict[str, list[dict]] = {"reference": [], "import": []}
                modes = ("reference", "import", "roster") if key == "rows_100k" else ("reference", "import")
                for _ in range(RUNS):  # interleaved, so that a busy moment hits every side alike
                    for mode in modes:
                        if mode == "roster":
                            with connection.cursor() as cursor:  # the roster's enterprises are new each run
                                cursor.execute("DELETE FROM enterprises_enterprise WHERE id > %s", [last_id])
                                if connection.vendor == "postgresql":  # without the last run's dead rows
                                    cursor.execute("VACUUM ANALYZE enterprises_enterprise")
                            connection.close()
                            roster_runs.append(_child("roster", roster_path, database_url))
                            print(f"roster_100k: {roster_runs[-1]}", flush=True)
                            continue
                        with connection.cursor() as cursor:  # an empty table, without dead rows
                            cursor.execute(
                                "TRUNCATE enterprises_statistic"
                                if connection.vendor == "postgresql"
                                else "DELETE FROM enterprises_statistic"
                            )
                        connection.close()
                        runs[mode].append(_child(mode, path, database_url))
                        print(f"{key} {mode}: {runs[mode][-1]}", flush=True)
                imp, ref = _median_run(runs["import"]), _median_run(runs["reference"])
                results[key] = {
                    "rows": rows,
                    "file_mb": round(os.path.getsize(path) / 1024 / 1024, 1),
                    "runs": RUNS,
                    "parse_seconds": imp["parse_seconds"],
                    "validate_seconds": imp["validate_seconds"],
                    "write_seconds": imp["write_seconds"],
                    "audit_seconds": imp["audit_seconds"],
                    "total_seconds": imp["total_seconds"],
                    "peak_mb": max(r["peak_mb"] for r in runs["import"]),
                    "reference_seconds": ref["total_seconds"],
                    "reference_peak_mb": max(r["peak_mb"] for r in runs["reference"]),
                    "ratio": round(imp["total_seconds"] / ref["total_seconds"], 2),
                    # the same without sealing the audit trail (the change rows' digest and its entry)
                    "excluding_audit_ratio": round(
                        (imp["total_seconds"] - imp["audit_seconds"]) / ref["total_seconds"], 2
                    ),
                    "import_totals": [r["total_seconds"] for r in runs["import"]],
                    "reference_totals": [r["total_seconds"] for r in runs["reference"]],
                    "cpu_seconds": imp["cpu_seconds"],
                    "reference_cpu_seconds": ref["cpu_seconds"],
                    "load_average": round(os.getloadavg()[0], 1),
                }
                os.remove(path)
            roster = _median_run(roster_runs)
            reference = results["rows_100k"]["reference_seconds"]
            results["roster_100k"] = {
                "rows": roster["rows"],
                "new": roster["new"],
                "parse_seconds": roster["parse_seconds"],
                "validate_seconds": roster["validate_seconds"],
                "write_seconds": roster["write_seconds"],
                "total_seconds": roster["total_seconds"],
                "audit_seconds": roster["audit_seconds"],
                "peak_mb": max(r["peak_mb"] for r in roster_runs),
                "reference_seconds": reference,
                "ratio": round(roster["total_seconds"] / reference, 2),
                # the same in this process's CPU time (steadier on a busy machine; the database's not counted)
                "cpu_seconds": roster["cpu_seconds"],
                "reference_cpu_seconds": results["rows_100k"]["reference_cpu_seconds"],
                "cpu_ratio": round(roster["cpu_seconds"] / results["rows_100k"]["reference_cpu_seconds"], 2),
                "totals": [r["total_seconds"] for r in roster_runs],
                "load_average": round(os.getloadavg()[0], 1),
            }
            os.remove(roster_path)
        results["database"] = connection.vendor
        connection.close()
    finally:
        drop()
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        _setup_django(os.environ["DATABASE_URL"])
        mode, file_path = sys.argv[2], sys.argv[3]
        if mode == "roster":
            data = child_roster(file_path, "bench-city")
        else:
            data = child_import(file_path, "bench-city") if mode == "import" else child_reference(file_path)
        print(json.dumps(data))
    else:
        main()

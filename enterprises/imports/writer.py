"""Writing checked rows: a temporary staging table, then set-based SQL.

PostgreSQL: ``COPY`` into ``import_staging`` (a temp table dropped at commit) and
``INSERT … ON CONFLICT (enterprise_id, year, quarter) DO UPDATE``. SQLite (the embedded default):
the same SQL, with the staging table filled by ``executemany``. Both compare staged rows with the
stored ones in SQL (new / changed / unchanged), record the replaced values for undo in
``StatisticImportChange`` and write one audit entry per created or changed statistic through
``accounts.audit.record_many`` — all in the caller's transaction.
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction
from enterprises.models import Enterprise, Statistic, StatisticImportChange

STAGING = "import_staging"
FIGURES = Statistic.FIGURE_FIELDS
NEW, UNCHANGED, CHANGED = 1, 0, 2
AUDIT_CHUNK = 5000

_STAT = Statistic._meta.db_table
_CHANGE = StatisticImportChange._meta.db_table
_ENT = Enterprise._meta.db_table
_AMOUNT_FIELDS = {f for f in FIGURES if Statistic._meta.get_field(f).get_internal_type() == "DecimalField"}
_BOOL_FIELDS = {f for f in FIGURES if Statistic._meta.get_field(f).get_internal_type() == "BooleanField"}
CENT = Decimal("0.01")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _staging_qualified() -> str:
    """The temp table by its schema, so that a DROP can never reach a real table of that name."""
    return f"{'pg_temp' if connection.vendor == 'postgresql' else 'temp'}.{STAGING}"


def create_staging() -> None:
    fields = [Statistic._meta.get_field(name) for name in FIGURES]
    cols = ", ".join(f"{_q(f.column)} {f.db_type(connection).replace(' unsigned', '')}" for f in fields)
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_staging_qualified()}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGING} (row_no integer NOT NULL, enterprise_id bigint NOT NULL, "
            f"year smallint NOT NULL, quarter smallint NOT NULL, statistic_id bigint NULL, kind smallint NULL, "
            f"{cols}){suffix}"
        )


def drop_staging() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_staging_qualified()}")


def load_staging(lines: list[str]) -> None:
    columns = "row_no, enterprise_id, year, quarter, " + ", ".join(_q(f) for f in FIGURES)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for start in range(0, len(lines), 10_000):
                buffer.write("\n".join(lines[start:start + 10_000]))
                buffer.write("\n")
            buffer.seek(0)
            if lines:
                cursor.cursor.copy_expert(f"COPY {STAGING} ({columns}) FROM STDIN", buffer)
            cursor.execute(f"ANALYZE {STAGING}")
        else:
            marks = ", ".join(["%s"] * (4 + len(FIGURES)))
            sql = f"INSERT INTO {STAGING} ({columns}) VALUES ({marks})"
            for start in range(0, len(lines), 5000):
                cursor.executemany(sql, [
                    [None if v == "\\N" else v for v in line.split("\t")] for line in lines[start:start + 5000]
                ])


def classify() -> dict[int, int]:
    """Mark each staged row new, changed or unchanged; return {kind: count}. An empty cell keeps
    the stored value, so it never makes a row changed."""
    differs = " OR ".join(
        f"({STAGING}.{_q(f)} IS NOT NULL AND {STAGING}.{_q(f)} IS DISTINCT FROM s.{_q(f)})" for f in FIGURES
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {STAGING} SET statistic_id = s.id, kind = {UNCHANGED} FROM {_STAT} s "
            f"WHERE s.enterprise_id = {STAGING}.enterprise_id AND s.year = {STAGING}.year "
            f"AND s.quarter = {STAGING}.quarter"
        )
        cursor.execute(f"UPDATE {STAGING} SET kind = {NEW} WHERE statistic_id IS NULL")
        cursor.execute(f"UPDATE {STAGING} SET kind = {CHANGED} FROM {_STAT} s "
                       f"WHERE s.id = {STAGING}.statistic_id AND ({differs})")
        cursor.execute(f"SELECT kind, COUNT(*) FROM {STAGING} GROUP BY kind")
        counts = {NEW: 0, UNCHANGED: 0, CHANGED: 0}
        counts.update({int(kind): int(n) for kind, n in cursor.fetchall()})
    return counts


def staged_outside_county(county_id: int) -> int:
    """Staged rows whose enterprise is not (any longer) in ``county_id``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {STAGING} st JOIN {_ENT} e ON e.id = st.enterprise_id WHERE e.county_id <> %s",
            [county_id],
        )
        return int(cursor.fetchone()[0])


def lock_statistics() -> None:
    """Keep other writers of statistics out between classify and upsert (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {_STAT} IN SHARE ROW EXCLUSIVE MODE")


def upsert(import_id: int) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    cols = ", ".join(_q(f) for f in FIGURES)
    before_cols = ", ".join(_q(f"before_{f}") for f in FIGURES)
    s_cols = ", ".join(f"s.{_q(f)}" for f in FIGURES)
    nulls = ", ".join(["NULL"] * len(FIGURES))
    updates = ", ".join(f"{_q(f)} = COALESCE(excluded.{_q(f)}, {_STAT}.{_q(f)})" for f in FIGURES)
    change_cols = ("statistic_import_id, statistic_id, enterprise_id, year, quarter, created, row_no, version_after, "
                   + before_cols)
    with connection.cursor() as cursor:
        # 1. what changed rows held before (for undo and the audit trail)
        cursor.execute(
            f"INSERT INTO {_CHANGE} ({change_cols}) SELECT %s, s.id, s.enterprise_id, s.year, s.quarter, %s, "
            f"st.row_no, s.version + 1, {s_cols} FROM {STAGING} st JOIN {_STAT} s ON s.id = st.statistic_id "
            f"WHERE st.kind = {CHANGED}",
            [import_id, False],
        )
        # 2. the upsert
        cursor.execute(
            f"INSERT INTO {_STAT} (enterprise_id, year, quarter, {cols}, version, created_at, updated_at) "
            f"SELECT enterprise_id, year, quarter, {cols}, 1, %s, %s FROM {STAGING} WHERE kind IN ({NEW}, {CHANGED}) "
            f"ON CONFLICT (enterprise_id, year, quarter) DO UPDATE SET {updates}, "
            f"version = {_STAT}.version + 1, updated_at = excluded.updated_at",
            [now, now],
        )
        if connection.vendor == "postgresql":
            # the table may have grown from nothing in this transaction: plan the join on real figures
            cursor.execute(f"ANALYZE {_STAT}")
        # 3. rows the import created (undo deletes them)
        cursor.execute(
            f"INSERT INTO {_CHANGE} ({change_cols}) SELECT %s, s.id, s.enterprise_id, s.year, s.quarter, %s, "
            f"st.row_no, s.version, {nulls} FROM {STAGING} st JOIN {_STAT} s ON s.enterprise_id = st.enterprise_id "
            f"AND s.year = st.year AND s.quarter = st.quarter WHERE st.kind = {NEW}",
            [import_id, True],
        )


def _value(name: str, value):
    if value is None:
        return None
    if name in _AMOUNT_FIELDS:
        return str(Decimal(str(value)).quantize(CENT))
    if name in _BOOL_FIELDS:
        return bool(value)
    return int(value)


def _change_rows(import_id: int) -> Iterator[tuple]:
    """Each change of an import with the statistic as it is now, its enterprise and county code."""
    before_cols = ", ".join(f"c.{_q('before_' + f)}" for f in FIGURES)
    s_cols = ", ".join(f"s.{_q(f)}" for f in FIGURES)
    place = f"{_q('accounts_place')}"
    sql = (
        f"SELECT c.statistic_id, c.created, c.enterprise_id, c.year, c.quarter, c.version_after, s.version, "
        f"e.name, p.code, {before_cols}, {s_cols} FROM {_CHANGE} c "
        f"LEFT JOIN {_STAT} s ON s.id = c.statistic_id JOIN {_ENT} e ON e.id = c.enterprise_id "
        f"JOIN {place} p ON p.id = e.county_id WHERE c.statistic_import_id = %s ORDER BY c.row_no, c.id"
    )
    cursor = connection.chunked_cursor()  # server-side on PostgreSQL: bounded memory
    try:
        cursor.execute(sql, [import_id])
        while True:
            rows = cursor.fetchmany(AUDIT_CHUNK)
            if not rows:
                break
            yield from rows
    finally:
        cursor.close()


def _figures(values) -> dict:
    return {name: _value(name, v) for name, v in zip(FIGURES, values, strict=True)}


def audit_entries(import_id: int, *, undo: bool = False) -> Iterator[audit.Entry]:
    """One entry per created or changed statistic: before/after of every figure."""
    n = len(FIGURES)
    object_type = Statistic._meta.label_lower
    message = (_("Undo of statistics import #%(id)d") if undo else _("Statistics import #%(id)d")) % {"id": import_id}
    for row in _change_rows(import_id):
        stat_id, created, enterprise_id, year, quarter, _v_after, version, name, county_code = row[:9]
        before_vals, now_vals = row[9:9 + n], row[9 + n:9 + 2 * n]
        key = {"enterprise_id": enterprise_id, "year": year, "quarter": quarter}
        current = {**key, "version": version, **_figures(now_vals)}
        previous = None if created else {**key, "version": (version or 1) - 1, **_figures(before_vals)}
        if undo:
            action = AuditAction.DELETE if created else AuditAction.UPDATE
            after = None if created else {**previous, "version": version + 1}
            before, after = current, after
        else:
            action = AuditAction.CREATE if created else AuditAction.UPDATE
            before, after = previous, current
        yield audit.Entry(
            action=action, object_type=object_type, object_id=str(stat_id),
            object_repr=f"{name} · {year}Q{quarter}"[:200], county_code=county_code or "",
            before=before, after=after, message=message,
        )


def record_audit(actor, import_id: int, *, undo: bool = False) -> int:
    """Write the audit entries in chunks (bounded memory); return how many."""
    count = 0
    chunk: list[audit.Entry] = []
    for entry in audit_entries(import_id, undo=undo):
        chunk.append(entry)
        if len(chunk) >= AUDIT_CHUNK:
            audit.record_many(actor, chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        audit.record_many(actor, chunk)
        count += len(chunk)
    return count


def undo_conflicts(import_id: int) -> list[int]:
    """Row numbers whose statistic was edited or deleted after the import."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.row_no FROM {_CHANGE} c LEFT JOIN {_STAT} s ON s.id = c.statistic_id "
            f"WHERE c.statistic_import_id = %s AND (s.id IS NULL OR s.version <> c.version_after) ORDER BY c.row_no",
            [import_id],
        )
        return [r[0] for r in cursor.fetchall()]


def undo(import_id: int) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sets = ", ".join(f"{_q(f)} = c.{_q('before_' + f)}" for f in FIGURES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_STAT} SET {sets}, version = {_STAT}.version + 1, updated_at = %s FROM {_CHANGE} c "
            f"WHERE c.statistic_id = {_STAT}.id AND c.statistic_import_id = %s AND c.created = %s",
            [now, import_id, False],
        )
        cursor.execute(
            f"DELETE FROM {_STAT} WHERE id IN (SELECT statistic_id FROM {_CHANGE} "
            f"WHERE statistic_import_id = %s AND created = %s)",
            [import_id, True],
        )

"""Writing checked rows: a temporary staging table, then set-based SQL.

PostgreSQL: ``COPY`` into ``import_staging`` (a temp table dropped at commit), then one statement:
``INSERT`` of the new rows and ``UPDATE`` of the changed ones, both ``RETURNING`` what each statistic
became, feeding the insert of the import's ``StatisticImportChange`` rows. SQLite (the embedded
default): the staging table is filled by ``executemany``, an ``INSERT … ON CONFLICT … DO UPDATE``
writes the statistics and a second statement the change rows. Both compare
staged rows with the stored ones in SQL (new / changed / unchanged) and record, per written
statistic, every figure before and after: the undo's source and the audit trail of the bulk write,
sealed by ``accounts.audit.seal`` with the digest ``change_set_digest`` computes — all in the
caller's transaction, with no Python loop over the rows.

The helpers of that write are every kind's (``roster``, ``titles``): the staging table
(``create_temp_table``, ``load_lines``, ``count_kinds``, ``lock_table``, ``copy_text``) and
``ChangeSet``, a kind's change rows as the audit trail reads them (digest, imports touching an
object, rows in file order).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from accounts.choices import AuditAction
from enterprises.models import Enterprise, Statistic, StatisticImportChange

STAGING = "import_staging"
FIGURES = Statistic.FIGURE_FIELDS
NEW, UNCHANGED, CHANGED = 1, 0, 2  # how every kind's staging table marks a row (``classify``)
NULL = "\\N"  # an empty value in a staging line (PostgreSQL COPY text format)
CHANGE_SET_KIND = "statistic_import"  # how audit seals name an import's change rows

_STAT = Statistic._meta.db_table
_CHANGE = StatisticImportChange._meta.db_table
_ENT = Enterprise._meta.db_table
# the columns of a change row, in the order its digest reads them
DIGEST_COLUMNS = (
    "id",
    "statistic_import_id",
    "statistic_id",
    "enterprise_id",
    "year",
    "quarter",
    "created",
    "row_no",
    "version_after",
    *(f"before_{f}" for f in FIGURES),
    *(f"after_{f}" for f in FIGURES),
)


# -- the SQL helpers every kind's set-based write uses ----------------------------------------------


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


_q = quote


def qualified(table: str) -> str:
    """A temp table by its schema, so that a DROP can never reach a real table of that name."""
    return f"{'pg_temp' if connection.vendor == 'postgresql' else 'temp'}.{table}"


def create_temp_table(table: str, columns: str) -> None:
    """(Re)create the staging table ``table`` with ``columns`` (SQL column definitions); on
    PostgreSQL it is dropped at commit."""
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qualified(table)}")
        cursor.execute(f"CREATE TEMP TABLE {table} ({columns}){suffix}")


def drop_temp_table(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qualified(table)}")


COPY_SPECIAL = re.compile(r"[\\\t\n\r]")  # what ``copy_text`` escapes


def copy_text(value: str) -> str:
    """A value in PostgreSQL COPY text format (backslash, tab and line breaks escaped)."""
    if COPY_SPECIAL.search(value) is None:
        return value  # most values: nothing to escape
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def uncopy(value: str):
    """``copy_text`` undone (``NULL`` is None): the value as SQLite's executemany takes it."""
    if value == NULL:
        return None
    if "\\" not in value:
        return value
    return value.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")


def load_lines(table: str, columns: list[str], lines: list[str], *, analyze: Iterable[str] = ()) -> None:
    """Staging lines (tab-separated, COPY text format) into ``table``'s ``columns``: ``COPY`` on
    PostgreSQL (then ``ANALYZE`` of the ``analyze`` columns: the join keys), ``executemany`` else."""
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if lines:
                buffer = io.StringIO()
                for start in range(0, len(lines), 10_000):
                    buffer.write("\n".join(lines[start : start + 10_000]))
                    buffer.write("\n")
                buffer.seek(0)
                cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
            keys = ", ".join(quote(c) for c in analyze)
            if keys:
                cursor.execute(f"ANALYZE {table} ({keys})")
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            for start in range(0, len(lines), 5000):
                cursor.executemany(sql, [[uncopy(v) for v in line.split("\t")] for line in lines[start : start + 5000]])


def count_kinds(table: str) -> dict[str, int]:
    """{"new", "changed", "unchanged"}: the staged rows of ``table`` by their ``kind`` mark."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kind, COUNT(*) FROM {table} GROUP BY kind")
        counts = {NEW: 0, UNCHANGED: 0, CHANGED: 0}
        counts.update({int(kind): int(n) for kind, n in cursor.fetchall()})
    return {"new": counts[NEW], "changed": counts[CHANGED], "unchanged": counts[UNCHANGED]}


def row_action(created: bool, undo: bool) -> str:
    """The audit pages' action of one change row (an undo reads it backwards)."""
    if created:
        return AuditAction(AuditAction.DELETE if undo else AuditAction.CREATE).label
    return AuditAction(AuditAction.UPDATE).label


def lock_table(table: str) -> None:
    """Keep other writers of ``table`` out between classify and write (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


@dataclass(frozen=True)
class ChangeSet:
    """A kind's change rows (``model``: one row per object written, keyed by ``statistic_import``):
    what ``accounts.audit.register_change_set`` needs of them. ``digest_columns`` in digest order;
    ``target`` the model of the objects written, ``target_field`` the change row's column naming one."""

    model: type[models.Model]
    digest_columns: tuple[str, ...]
    target: type[models.Model]
    target_field: str
    also_fields: tuple[str, ...] = ()  # other columns naming an object of ``target`` (e.g. the one replaced)

    def digest(self, import_id: int) -> tuple[int, str]:
        """Row count and SHA-256 of an import's change rows: one ``digest_line`` per row in id order,
        joined by newlines. PostgreSQL computes it in one aggregate; other databases stream the rows."""
        if connection.vendor == "postgresql":
            line = "ROW(" + ", ".join(quote(c) for c in self.digest_columns) + ")::text"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*), encode(sha256(convert_to(COALESCE(string_agg({line}, E'\\n' ORDER BY id), "
                    f"''), 'UTF8')), 'hex') FROM {self.model._meta.db_table} WHERE statistic_import_id = %s",
                    [import_id],
                )
                rows, digest = cursor.fetchone()
            return int(rows), digest
        sha, rows = hashlib.sha256(), 0
        for values in (
            self.model._default_manager.filter(statistic_import_id=import_id)
            .order_by("id")
            .values_list(*self.digest_columns)
            .iterator(chunk_size=5000)
        ):
            sha.update((("\n" if rows else "") + digest_line(values)).encode("utf-8"))
            rows += 1
        return rows, sha.hexdigest()

    def touching(self, object_type: str, object_id: str) -> list[int]:
        """Imports whose change rows wrote this object."""
        if object_type != self.target._meta.label_lower or not str(object_id).isdigit():
            return []
        names = Q()
        for field in (self.target_field, *self.also_fields):
            names |= Q(**{field: int(object_id)})
        return list(
            self.model._default_manager.filter(names)
            .values_list("statistic_import_id", flat=True)
            .distinct()
            .order_by("statistic_import_id")
        )

    def rows(self, import_id: int) -> models.QuerySet:
        """An import's change rows in file order (the audit page pages through them)."""
        return self.model._default_manager.filter(statistic_import_id=import_id).order_by("row_no", "id")


def create_staging() -> None:
    fields = [Statistic._meta.get_field(name) for name in FIGURES]
    types = [f.db_type(connection).replace(" unsigned", "") for f in fields]
    cols = ", ".join(f"{_q(f.column)} {t}" for f, t in zip(fields, types, strict=True))
    before = ", ".join(f"{_q('before_' + f.column)} {t}" for f, t in zip(fields, types, strict=True))
    create_temp_table(
        STAGING,
        f"row_no integer NOT NULL, enterprise_id bigint NOT NULL, year smallint NOT NULL, quarter smallint NOT NULL, "
        f"statistic_id bigint NULL, kind smallint DEFAULT {NEW}, {cols}, {before}",
    )


def drop_staging() -> None:
    drop_temp_table(STAGING)


def load_staging(lines: list[str]) -> None:
    # statistics for the join keys only: all 36 columns took 0.3 s per 100k rows
    load_lines(
        STAGING,
        ["row_no", "enterprise_id", "year", "quarter", *FIGURES],
        lines,
        analyze=("enterprise_id", "year", "quarter"),
    )


def classify() -> dict[str, int]:
    """Mark each staged row new (as loaded), changed or unchanged (keeping the stored figures of the
    existing ones: the change rows' *before*); return the counts (``count_kinds``). An empty cell
    keeps the stored value, so it never makes a row changed."""
    differs = " OR ".join(
        f"({STAGING}.{_q(f)} IS NOT NULL AND {STAGING}.{_q(f)} IS DISTINCT FROM {STAGING}.{_q('before_' + f)})"
        for f in FIGURES
    )
    keep = ", ".join(f"{_q('before_' + f)} = s.{_q(f)}" for f in FIGURES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {STAGING} SET statistic_id = s.id, kind = {UNCHANGED}, {keep} FROM {_STAT} s "
            f"WHERE s.enterprise_id = {STAGING}.enterprise_id AND s.year = {STAGING}.year "
            f"AND s.quarter = {STAGING}.quarter"
        )
        cursor.execute(f"UPDATE {STAGING} SET kind = {CHANGED} WHERE kind = {UNCHANGED} AND ({differs})")
    return count_kinds(STAGING)


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
    lock_table(_STAT)


def upsert(import_id: int) -> None:
    """Write the new and changed rows and, for each, a change row with every figure before and
    after (the staging table holds *before*; *after* is what the statistic became)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    cols = ", ".join(_q(f) for f in FIGURES)
    change_cols = ", ".join(
        [
            "statistic_import_id, statistic_id, enterprise_id, year, quarter, created, row_no, version_after",
            *(_q(f"before_{f}") for f in FIGURES),
            *(_q(f"after_{f}") for f in FIGURES),
        ]
    )
    before = ", ".join(f"st.{_q('before_' + f)}" for f in FIGURES)
    after = ", ".join(f"s.{_q(f)}" for f in FIGURES)
    record = (
        f"INSERT INTO {_CHANGE} ({change_cols}) SELECT %s, s.id, s.enterprise_id, s.year, s.quarter, "
        f"st.kind = {NEW}, st.row_no, s.version, {before}, {after} "
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: a plain INSERT of the new rows (no conflict is possible under the table lock
            # of lock_statistics, and it is 20 % cheaper than ON CONFLICT), an UPDATE of the changed ones,
            # both returning what each statistic became, and the change rows from that. Room to join in
            # memory (the default 4 MB of work_mem spills to disk).
            cursor.execute("SET LOCAL work_mem = '64MB'")
            returned = ", ".join(
                f"{_STAT}.{c}" for c in ["id", "enterprise_id", "year", "quarter", "version", *(_q(f) for f in FIGURES)]
            )
            sets = ", ".join(f"{_q(f)} = COALESCE(st.{_q(f)}, {_STAT}.{_q(f)})" for f in FIGURES)
            cursor.execute(
                f"WITH ins AS (INSERT INTO {_STAT} (enterprise_id, year, quarter, {cols}, version, created_at, "
                f"updated_at) SELECT enterprise_id, year, quarter, {cols}, 1, %s, %s FROM {STAGING} "
                f"WHERE kind = {NEW} RETURNING {returned}), "
                f"upd AS (UPDATE {_STAT} SET {sets}, version = {_STAT}.version + 1, updated_at = %s "
                f"FROM {STAGING} st WHERE st.kind = {CHANGED} AND {_STAT}.id = st.statistic_id RETURNING {returned}), "
                f"s AS (SELECT * FROM ins UNION ALL SELECT * FROM upd) "
                f"{record}FROM s JOIN {STAGING} st "
                f"ON st.enterprise_id = s.enterprise_id AND st.year = s.year AND st.quarter = s.quarter",
                [now, now, now, import_id],
            )
        else:
            updates = ", ".join(f"{_q(f)} = COALESCE(excluded.{_q(f)}, {_STAT}.{_q(f)})" for f in FIGURES)
            cursor.execute(
                f"INSERT INTO {_STAT} (enterprise_id, year, quarter, {cols}, version, created_at, updated_at) "
                f"SELECT enterprise_id, year, quarter, {cols}, 1, %s, %s FROM {STAGING} "
                f"WHERE kind IN ({NEW}, {CHANGED}) ON CONFLICT (enterprise_id, year, quarter) DO UPDATE SET {updates}, "
                f"version = {_STAT}.version + 1, updated_at = excluded.updated_at",
                [now, now],
            )
            cursor.execute(
                f"{record}FROM {STAGING} st JOIN {_STAT} s ON s.enterprise_id = st.enterprise_id "
                f"AND s.year = st.year AND s.quarter = st.quarter WHERE st.kind IN ({NEW}, {CHANGED})",
                [import_id],
            )


def digest_line(values) -> str:
    """One change row as its digest reads it: PostgreSQL's text form of ``ROW(<DIGEST_COLUMNS>)``,
    e.g. ``(7,3,41,9,2024,1,f,12,2,10.00,,…,t)`` (NULL empty, booleans t/f, amounts with 2 decimals).
    The Python twin of the SQL in ``ChangeSet.digest``."""
    return (
        "("
        + ",".join("" if v is None else ("t" if v else "f") if isinstance(v, bool) else str(v) for v in values)
        + ")"
    )


CHANGES = ChangeSet(StatisticImportChange, DIGEST_COLUMNS, Statistic, "statistic_id")
# the change set's digest (sealed into the audit chain), the imports that wrote a statistic (an import
# does not change the enterprise itself), the change rows in file order
change_set_digest = CHANGES.digest
imports_touching = CHANGES.touching
change_rows = CHANGES.rows


def describe_changes(rows, *, undo: bool = False) -> list[dict]:
    """A page of change rows for the audit pages: per statistic, the figures it changed (from →
    to). ``undo`` reads them backwards: a created statistic was deleted, an update put back."""
    names = dict(Enterprise.objects.filter(pk__in={r.enterprise_id for r in rows}).values_list("pk", "name"))
    labels = {f: Statistic._meta.get_field(f).verbose_name for f in FIGURES}
    described = []
    for row in rows:
        changes = []
        for field in FIGURES:
            before = None if row.created else getattr(row, f"before_{field}")
            after = getattr(row, f"after_{field}")
            if undo:
                before, after = after, before
            if before != after:
                changes.append((labels[field], before, after))
        described.append(
            {
                "row_no": row.row_no,
                "object_type": Statistic._meta.label_lower,
                "object_id": row.statistic_id,
                "object_repr": f"{names.get(row.enterprise_id, row.enterprise_id)} · {row.year}Q{row.quarter}",
                "action": row_action(row.created, undo),
                "changes": changes,
            }
        )
    return described


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


def preview(limit: int) -> list[dict]:
    """The first ``limit`` new or changed staged rows (after ``classify``), in file order, with each
    figure the row changes: [label, before, after] (before empty for a new statistic)."""
    cols = ", ".join(f"{_q(f)}, {_q('before_' + f)}" for f in FIGURES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT row_no, enterprise_id, year, quarter, kind, {cols} FROM {STAGING} "
            f"WHERE kind IN ({NEW}, {CHANGED}) ORDER BY row_no LIMIT %s",
            [limit],
        )
        rows = cursor.fetchall()
    names = dict(Enterprise.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", "name"))
    labels = [str(Statistic._meta.get_field(f).verbose_name) for f in FIGURES]
    flags = [Statistic._meta.get_field(f).get_internal_type() == "BooleanField" for f in FIGURES]
    out = []
    for row in rows:
        new = row[4] == NEW
        changes = []
        for i, label in enumerate(labels):
            after, before = row[5 + 2 * i], row[6 + 2 * i]
            if after is None or (not new and after == before):
                continue
            flag = flags[i]
            changes.append([label, "" if new or before is None else _shown(before, flag), _shown(after, flag)])
        out.append(
            {
                "row": row[0],
                "object": f"{names.get(row[1], row[1])} · {row[2]}Q{row[3]}",
                "action": "new" if new else "changed",
                "changes": changes,
            }
        )
    return out


def _shown(value, flag: bool) -> str:
    if flag:
        return "是" if value and value not in ("0", "f", "false") else "否"
    return str(value)

"""The R&D institution import kind (研发机构名单): one row per institution of an enterprise.

Columns: 统一社会信用代码 and/or 企业名称 (the code wins; a name must be unique), 研发机构名称, 级别
(an ``RDInstitutionLevel`` by its name or code), 认定年份 (a year, not in the future); 备注 and 序号
are read past (the model keeps no note). An institution is known by (enterprise, level, name), the
name compared without regard to case: a new one is created, a known one updated when its year or the
spelling of its name differs, an unchanged one is not written. A county official imports her own
county only (each row is checked, and the engine checks the staged rows again before writing).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Place
from core.scoping import scope_for
from enterprises.models import Enterprise, RDInstitution, RDInstitutionImportChange, RDInstitutionLevel

from .columns import CODE, TEXT, Column, normalise_text
from .engine import ImportKind, register
from .naming import EnterpriseIndex, data_rows
from .parsing import CellError, parse_count, text_of
from .validation import CheckResult
from .writer import (
    CHANGED,
    NEW,
    UNCHANGED,
    ChangeSet,
    copy_text,
    count_kinds,
    create_temp_table,
    drop_temp_table,
    load_lines,
    lock_table,
    row_action,
)

STAGING = "import_staging_rd_institutions"
CHANGE_SET_KIND = "rd_institution_import"
YEAR = "year"
FIRST_YEAR = 1980  # as the model's validator

COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", CODE, example="91440781MA4UJ0000X", aliases=("信用代码",)),
    Column("name", "企业名称", TEXT, example="台山示例精密有限公司", aliases=("企业名", "单位名称")),
    Column(
        "institution",
        "研发机构名称",
        TEXT,
        required=True,
        example="江门市精密制造工程技术研究中心",
        aliases=("机构名称", "研发机构"),
    ),
    Column("level", "级别", TEXT, required=True, example="市级工程技术研究中心", aliases=("机构级别", "类型及级别")),
    Column("year", "认定年份", YEAR, required=True, example="2024", aliases=("认定年度", "年份")),
)

_ENT = Enterprise._meta.db_table
_RD = RDInstitution._meta.db_table
_LEVEL = RDInstitutionLevel._meta.db_table
_CHANGE = RDInstitutionImportChange._meta.db_table
NAME_MAX: int = RDInstitution._meta.get_field("name").max_length or 200
DIGEST_COLUMNS = (
    "id",
    "statistic_import_id",
    "institution_id",
    "enterprise_id",
    "level_id",
    "created",
    "row_no",
    "version_after",
    "before_name",
    "before_recognised_year",
    "after_name",
    "after_recognised_year",
)
CHANGES = ChangeSet(RDInstitutionImportChange, DIGEST_COLUMNS, RDInstitution, "institution_id")


class RDInstitutionsKind(ImportKind):
    code = "rd_institutions"
    label = gettext_lazy("R&D institutions")
    data_sheet = "研发机构"
    columns = COLUMNS
    change_set_kind = CHANGE_SET_KIND
    changes = CHANGES
    title_rows = True

    # -- row checks ------------------------------------------------------------------------------
    def check_rows(self, workbook, *, user, today, progress, options):
        result = CheckResult()
        own_county = scope_for(user).county_id
        county_names = dict(Place.objects.filter(level="county").values_list("pk", "name"))
        index = EnterpriseIndex(workbook, ("id", "county_id"))
        if index.code_col is None and index.name_col is None:
            result.add_error(0, "", _("The file needs the column 统一社会信用代码 or 企业名称 to name the enterprise."))
            return result
        levels: dict[str, int] = {}
        for pk, code, name in RDInstitutionLevel.objects.values_list("pk", "code", "name"):
            levels[normalise_text(code).lower()] = pk
            levels[normalise_text(name).lower()] = pk
        by_field: dict[str, Any] = {hc.column.field: hc for hc in workbook.columns}
        name_col, level_col, year_col = by_field["institution"], by_field["level"], by_field["year"]
        first_row_of: dict[tuple[int, int, str], int] = {}
        pending: list[tuple[int, str]] = []
        for row_no, values, errors_before in data_rows(workbook, result, index):
            enterprise: tuple[int, int] | None = index.match(result, row_no, values)[0]
            if enterprise is not None and own_county is not None and enterprise[1] != own_county:
                result.add_error(
                    row_no,
                    index.title,
                    _(
                        "The enterprise is recorded in %(county)s, not in your county: only its county or the "
                        "city records its R&D institutions."
                    )
                    % {"county": county_names.get(enterprise[1], "")},
                )
                enterprise = None
            name = " ".join(text_of(values[name_col.index]).split())
            if not name:
                result.add_error(row_no, name_col.title, _("The R&D institution's name is missing."))
            elif len(name) > NAME_MAX:
                result.add_error(
                    row_no, name_col.title, _("The name is longer than %(n)d characters.") % {"n": NAME_MAX}
                )
            raw_level = text_of(values[level_col.index])
            level = levels.get(normalise_text(raw_level).lower())
            if not raw_level:
                result.add_error(row_no, level_col.title, _("The level is missing."))
            elif level is None:
                result.add_error(
                    row_no,
                    level_col.title,
                    _("“%(value)s” is not a level of R&D institution: write one of %(levels)s.")
                    % {
                        "value": raw_level,
                        "levels": "、".join(
                            RDInstitutionLevel.objects.order_by("rank", "code").values_list("name", flat=True)
                        ),
                    },
                )
            year = None
            raw_year = values[year_col.index]
            if not text_of(raw_year):
                result.add_error(row_no, year_col.title, _("The year recognised is missing."))
            else:
                try:
                    year = parse_count(raw_year)
                except CellError:
                    year = None
                if year is None or year < FIRST_YEAR:
                    result.add_error(
                        row_no,
                        year_col.title,
                        _("“%(value)s” is not a year (such as 2024).") % {"value": text_of(raw_year)},
                    )
                    year = None
                elif year > today.year:
                    result.add_error(row_no, year_col.title, _("The year cannot be in the future."))
                    year = None
            if len(result.errors) != errors_before or enterprise is None or level is None or year is None:
                continue
            key = (enterprise[0], level, name.lower())
            first = first_row_of.get(key)
            if first is not None:
                result.add_error(
                    row_no,
                    name_col.title,
                    _("Row %(first)d already names this institution: keep one of the rows.") % {"first": first},
                )
                continue
            first_row_of[key] = row_no
            pending.append((row_no, f"{row_no}\t{enterprise[0]}\t{level}\t{copy_text(name)}\t{year}"))
        result.notes.extend(workbook.ignored_notes)
        error_rows = result.error_rows
        result.lines = [line for row_no, line in pending if row_no not in error_rows]
        result.errors.sort(key=lambda e: e["row"])
        return result

    # -- the set-based write -----------------------------------------------------------------------
    def lock(self):
        lock_table(_RD)

    def create_staging(self):
        create_temp_table(
            STAGING,
            f"row_no integer NOT NULL, enterprise_id bigint NOT NULL, level_id bigint NOT NULL, "
            f"name varchar({NAME_MAX}) NOT NULL, recognised_year smallint NOT NULL, institution_id bigint NULL, "
            f"kind smallint DEFAULT {NEW}, before_name varchar({NAME_MAX}) NULL, before_recognised_year smallint NULL",
        )

    def drop_staging(self):
        drop_temp_table(STAGING)

    def load_staging(self, lines):
        load_lines(STAGING, ["row_no", "enterprise_id", "level_id", "name", "recognised_year"], lines)

    def staged_outside_county(self, county_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {STAGING} st JOIN {_ENT} e ON e.id = st.enterprise_id WHERE e.county_id <> %s",
                [county_id],
            )
            return cursor.fetchone()[0]

    def classify(self):
        """A known institution: the same enterprise and level, the name equal but for case (the
        lowest id when the database holds several such)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {STAGING} SET institution_id = r.id, before_name = r.name, "
                f"before_recognised_year = r.recognised_year, kind = CASE WHEN r.name = {STAGING}.name AND "
                f"r.recognised_year = {STAGING}.recognised_year THEN {UNCHANGED} ELSE {CHANGED} END "
                f"FROM {_RD} r WHERE r.id = (SELECT MIN(k.id) FROM {_RD} k WHERE k.enterprise_id = {STAGING}.enterprise_id "
                f"AND k.level_id = {STAGING}.level_id AND LOWER(k.name) = LOWER({STAGING}.name))"
            )
        return count_kinds(STAGING)

    def preview(self, limit):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT st.row_no, e.name, e.credit_code, l.name, st.kind, st.name, st.recognised_year, "
                f"st.before_name, st.before_recognised_year FROM {STAGING} st JOIN {_ENT} e ON e.id = st.enterprise_id "
                f"JOIN {_LEVEL} l ON l.id = st.level_id ORDER BY st.row_no LIMIT %s",
                [limit],
            )
            rows = cursor.fetchall()
        actions = {NEW: "new", CHANGED: "changed", UNCHANGED: "unchanged"}
        out = []
        for row_no, enterprise, code, level, kind, name, year, before_name, before_year in rows:
            if kind == NEW:
                changes = [[_("name"), "", name], [_("year recognised"), "", str(year)]]
            elif kind == CHANGED:
                changes = []
                if before_name != name:
                    changes.append([_("name"), before_name, name])
                if before_year != year:
                    changes.append([_("year recognised"), str(before_year), str(year)])
            else:
                changes = [[_("unchanged"), "", _("already recorded")]]
            out.append(
                {
                    "row": row_no,
                    "object": f"{enterprise} · {code} · {level}",
                    "action": actions[kind],
                    "changes": changes,
                }
            )
        return out

    def write(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_RD} SET name = st.name, recognised_year = st.recognised_year, version = {_RD}.version + 1, "
                f"updated_at = %s FROM {STAGING} st WHERE st.kind = {CHANGED} AND {_RD}.id = st.institution_id",
                [now],
            )
            cursor.execute(
                f"INSERT INTO {_RD} (enterprise_id, level_id, name, recognised_year, version, created_at, updated_at) "
                f"SELECT enterprise_id, level_id, name, recognised_year, 1, %s, %s FROM {STAGING} WHERE kind = {NEW} "
                f"ORDER BY row_no",
                [now, now],
            )
            # the new rows by their exact key: the file holds each (enterprise, level, name) once, and a
            # new row's key matched no institution before the insert (the table is locked)
            cursor.execute(
                f"UPDATE {STAGING} SET institution_id = r.id FROM {_RD} r WHERE {STAGING}.kind = {NEW} "
                f"AND r.enterprise_id = {STAGING}.enterprise_id AND r.level_id = {STAGING}.level_id "
                f"AND r.name = {STAGING}.name"
            )
            cursor.execute(
                f"INSERT INTO {_CHANGE} (statistic_import_id, institution_id, enterprise_id, level_id, created, row_no, "
                f"version_after, before_name, before_recognised_year, after_name, after_recognised_year) SELECT %s, "
                f"r.id, r.enterprise_id, r.level_id, st.kind = {NEW}, st.row_no, r.version, st.before_name, "
                f"st.before_recognised_year, r.name, r.recognised_year FROM {STAGING} st JOIN {_RD} r "
                f"ON r.id = st.institution_id WHERE st.kind IN ({NEW}, {CHANGED}) ORDER BY st.row_no",
                [import_id],
            )
            # an institution is part of its enterprise's record: the enterprise gets a new updated_at
            cursor.execute(
                f"UPDATE {_ENT} SET updated_at = %s WHERE id IN (SELECT enterprise_id FROM {STAGING} "
                f"WHERE kind IN ({NEW}, {CHANGED}))",
                [now],
            )

    def undo_conflicts(self, import_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.row_no FROM {_CHANGE} c LEFT JOIN {_RD} r ON r.id = c.institution_id "
                f"WHERE c.statistic_import_id = %s AND (r.id IS NULL OR r.version <> c.version_after) ORDER BY c.row_no",
                [import_id],
            )
            return [r[0] for r in cursor.fetchall()]

    def undo(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_RD} SET name = c.before_name, recognised_year = c.before_recognised_year, "
                f"version = {_RD}.version + 1, updated_at = %s FROM {_CHANGE} c WHERE c.institution_id = {_RD}.id "
                f"AND c.statistic_import_id = %s AND c.created = %s",
                [now, import_id, False],
            )
            cursor.execute(
                f"UPDATE {_ENT} SET updated_at = %s WHERE id IN (SELECT enterprise_id FROM {_CHANGE} "
                f"WHERE statistic_import_id = %s)",
                [now, import_id],
            )
            cursor.execute(
                f"DELETE FROM {_RD} WHERE id IN (SELECT institution_id FROM {_CHANGE} "
                f"WHERE statistic_import_id = %s AND created = %s)",
                [import_id, True],
            )

    def describe_changes(self, rows, *, undo=False):
        rows = list(rows)
        names = dict(Enterprise.objects.filter(pk__in={r.enterprise_id for r in rows}).values_list("pk", "name"))
        levels = dict(RDInstitutionLevel.objects.values_list("pk", "name"))
        described = []
        for row in rows:
            pairs = [
                (_("name"), None if row.created else row.before_name, row.after_name),
                (_("year recognised"), None if row.created else row.before_recognised_year, row.after_recognised_year),
            ]
            changes = []
            for label, before, after in pairs:
                if undo:
                    before, after = after, before
                if before != after:
                    changes.append((label, before, after))
            described.append(
                {
                    "row_no": row.row_no,
                    "object_type": RDInstitution._meta.label_lower,
                    "object_id": row.institution_id,
                    "object_repr": f"{names.get(row.enterprise_id, row.enterprise_id)} · "
                    f"{levels.get(row.level_id, '')} · {row.after_name}",
                    "action": row_action(row.created, undo),
                    "changes": changes,
                }
            )
        return described

    def build_template(self, *, user=None):
        from .template import build_kind_template

        return build_kind_template(
            self,
            instructions=[
                (
                    _("Key"),
                    _(
                        "One row per R&D institution: the enterprise's credit code (or its exact name), the "
                        "institution's name, its level and the year it was recognised. An institution is known by "
                        "its enterprise, level and name (case does not matter): a known one gets the year and the "
                        "name's spelling of the file. Running the same file twice changes nothing."
                    ),
                ),
                (
                    _("Level"),
                    _("The level's name or code: %(levels)s.")
                    % {
                        "levels": "、".join(
                            f"{name}（{code}）"
                            for name, code in RDInstitutionLevel.objects.order_by("rank", "code").values_list(
                                "name", "code"
                            )
                        )
                    },
                ),
                (_("Year recognised"), _("A year such as 2024, not in the future.")),
                (_("County"), _("A county official imports her own county's enterprises only.")),
            ],
        )

    def committed_message(self, import_id):
        return _("R&D institution import #%(id)d committed") % {"id": import_id}

    def undone_message(self, import_id):
        return _("R&D institution import #%(id)d undone") % {"id": import_id}


RD_INSTITUTIONS = register(RDInstitutionsKind())

"""The enterprise roster (名录) import kind: one row per enterprise, keyed by its credit code.

New codes create enterprises, known codes update them (an empty cell keeps the stored value);
codes are stored in canonical form (python-stdnum's compact form, upper case, half-width). A county
official imports her own county only: a row placing an enterprise elsewhere, or naming one
recorded in another county, is an error. For a city user such a row is a move, reported with its
date in the import's notes and preview: the optional column 迁移生效日期 gives the day it took effect
(default: the day the import is written; not before the enterprise's latest move). The commit
records an ``EnterpriseCountyChange`` per move in the same set-based write (one statement), and the
undo deletes them with the rest (the change row keeps the county before and after).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Place
from core.scoping import scope_for
from enterprises.models import (
    Enterprise,
    EnterpriseCountyChange,
    EnterpriseImportChange,
    Industry,
    Statistic,
    StatisticImport,
    Title,
)
from enterprises.validators import _PHONE, CANONICAL_CREDIT_CODE, credit_code_problem, normalise_credit_code

from .columns import CODE, TEXT, Column, normalise_text
from .engine import ImportKind, register
from .parsing import CellError, is_empty, text_of
from .rows import FOOTER, SUBTOTAL, TOTAL, special_row
from .validation import CheckResult
from .writer import (
    CHANGED,
    COPY_SPECIAL,
    NEW,
    NULL,
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
from .writer import quote as _q

STAGING = "import_staging_roster"
CHANGE_SET_KIND = "enterprise_import"
COUNTY, DATE, INDUSTRY, PHONE = "county", "date", "industry", "phone"

# (Enterprise field, staging type) in staging-line order after row_no and credit_code
FIELDS = (
    "name",
    "county_id",
    "industry_id",
    "niche_market",
    "address",
    "established_on",
    "contact_person",
    "contact_phone",
)
MOVED_ON = "county_moved_on"  # the optional date of a move: staged after FIELDS, not an enterprise field
MASKED_FIELDS = {"contact_person", "contact_phone"}
TEXT_FIELDS = {"name", "niche_market", "address", "contact_person", "contact_phone"}
STAGED = (*FIELDS, MOVED_ON)  # the fields of a staging line, after row_no and credit_code
MAX_LENGTH = {f: getattr(Enterprise._meta.get_field(f), "max_length", None) for f in TEXT_FIELDS}
# the columns of a change row, in the order its digest reads them
DIGEST_COLUMNS = (
    "id",
    "statistic_import_id",
    "enterprise_id",
    "credit_code",
    "created",
    "row_no",
    "version_after",
    *(f"before_{f}" for f in FIELDS),
    *(f"after_{f}" for f in FIELDS),
)
CHANGES = ChangeSet(EnterpriseImportChange, DIGEST_COLUMNS, Enterprise, "enterprise_id")

COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", CODE, required=True, example="91440781MA4UJ0000X"),
    Column("name", "企业名称", TEXT, required=True, example="台山示例精密有限公司", aliases=("名称", "企业名")),
    Column(
        "county_id",
        "所属县（市、区）",
        COUNTY,
        example="台山市",
        aliases=("所属县", "所属县市区", "所在县（市、区）", "县（市、区）", "所属区县", "所在地区", "县区"),
    ),
    Column("industry_id", "行业代码", INDUSTRY, example="3484", aliases=("国民经济行业代码", "行业分类代码", "行业")),
    Column("niche_market", "细分市场", TEXT, example="精密轴承"),
    Column("address", "注册地址", TEXT, example="台山市台城街道示例路1号", aliases=("地址", "企业地址")),
    Column("established_on", "成立日期", DATE, example="2015-03-01", aliases=("成立时间",)),
    Column("contact_person", "联系人", TEXT, example="张三"),
    Column("contact_phone", "联系电话", PHONE, example="0750-5123456", aliases=("电话", "联系方式")),
    Column(
        MOVED_ON,
        "迁移生效日期",
        DATE,
        aliases=("县区变更日期", "县（市、区）变更日期", "迁移日期", "迁入日期", "变更生效日期"),
    ),
)

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value, today: dt.date, *, future_message: str = "") -> dt.date:
    date = None
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    else:
        text = text_of(value).replace(" ", "")
        for pattern in _DATE_PATTERNS:
            m = pattern.match(text)
            if m:
                try:
                    date = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    pass
                break
        if date is None:
            raise CellError(_("“%(value)s” is not a date: write 2015-03-01 or 2015年3月1日.") % {"value": text})
    if date > today:
        raise CellError(future_message or _("The establishment date cannot be in the future."))
    if date.year < 1900:
        raise CellError(_("The year %(year)d is too early.") % {"year": date.year})
    return date


def county_lookup() -> dict[str, int]:
    """County name (台山市, 江门市台山市) or GB/T 2260 code (440781) → county id."""
    out: dict[str, int] = {}
    for pk, code, name, parent in Place.objects.filter(level="county").values_list(
        "pk", "code", "name", "parent__name"
    ):
        out[code] = pk
        out[normalise_text(name)] = pk
        if parent:
            out[normalise_text(parent + name)] = pk
    return out


class RosterKind(ImportKind):
    code = "roster"
    label = gettext_lazy("enterprise roster")
    data_sheet = "企业名录"
    columns = COLUMNS
    change_set_kind = CHANGE_SET_KIND
    changes = CHANGES
    title_rows = True
    # the enterprise list export's other columns (its round trip): read past
    ignored_headers = frozenset({"序号", "备注", "当前层级", "重点标签", "重点领域标签", "状态"})

    # -- row checks ------------------------------------------------------------------------------
    def check_rows(self, workbook, *, user, today, progress, options):
        started = time.perf_counter()
        result = CheckResult()
        scope = scope_for(user)
        own_county = scope.county_id
        known = {
            code: (pk, county_id)
            for code, pk, county_id in Enterprise.objects.values_list("credit_code", "id", "county_id").iterator(
                chunk_size=10_000
            )
        }
        counties = county_lookup()
        county_names = dict(Place.objects.filter(level="county").values_list("pk", "name"))
        latest_move = dict(  # moves are rare: the latest date of each moved enterprise, one query
            EnterpriseCountyChange.objects.values("enterprise_id")
            .annotate(latest=Max("effective_on"))
            .order_by()
            .values_list("enterprise_id", "latest")
        )
        industries = dict(Industry.objects.values_list("code", "pk"))
        industries.update({normalise_text(name): pk for name, pk in Industry.objects.values_list("name", "pk")})
        by_field = {hc.column.field: hc for hc in workbook.columns}
        code_col = by_field["credit_code"]
        titles = {hc.index: hc.title for hc in workbook.columns}
        width = max(hc.index for hc in workbook.columns) + 1
        key_indexes = tuple(hc.index for hc in workbook.columns if hc.column.kind in (CODE, TEXT))
        formula_message = _("The cell holds a formula: copy the column and paste it as values.")
        first_row_of: dict[str, int] = {}
        pending: list[tuple[int, str]] = []
        moves: list[str] = []
        footer_from = 0
        cell_cache: dict[tuple, str | CellError] = {}  # county, industry and date cells repeat
        nfkc = unicodedata.normalize
        # per column read: (field, index, header, how: plain text, cached lookup or other, masked in exports?,
        # the length limit of a text)
        readers = []
        for field in FIELDS:
            hc = by_field.get(field)
            if hc is None:
                continue
            if hc.column.kind in (COUNTY, INDUSTRY, DATE):
                how = _CACHED
            elif hc.column.kind == TEXT and MAX_LENGTH.get(field):
                how = _PLAIN
            else:
                how = _OTHER
            readers.append((field, hc.index, hc, how, field in MASKED_FIELDS, MAX_LENGTH.get(field) or 0))
        moved_on_col = by_field.get(MOVED_ON)
        for row_no, values in workbook.rows():
            if len(values) < width:
                values = list(values) + [""] * (width - len(values))
            raw_code = values[code_col.index]
            if is_empty(raw_code) and all(is_empty(v) for v in values):  # a blank row
                continue
            if type(raw_code) is str and CANONICAL_CREDIT_CODE.fullmatch(raw_code):
                code = raw_code  # already canonical (the rows of a good file)
            else:
                code = normalise_credit_code(unicodedata.normalize("NFKC", text_of(raw_code)))
            code_problem = credit_code_problem(code)
            if footer_from or code_problem:
                special = FOOTER if footer_from else special_row(values, key_indexes=key_indexes)
                if special is not None:
                    if special == FOOTER and not footer_from:
                        footer_from = row_no
                    elif special in (TOTAL, SUBTOTAL):
                        result.notes.append(
                            _("Row %(row)d is a total (合计) or subtotal (小计) row: not imported.") % {"row": row_no}
                        )
                    continue
            result.row_count += 1
            if progress is not None and result.row_count % 5000 == 0:
                progress(result.row_count)
            errors_before = len(result.errors)
            for col in workbook.formula_cells.get(row_no, ()):
                result.add_error(row_no, titles.get(col, _("column %(n)d") % {"n": col + 1}), formula_message)
            if is_empty(raw_code):
                result.add_error(row_no, code_col.title, _("The credit code is missing."))
            elif type(raw_code) in (float, int):
                result.add_error(
                    row_no,
                    code_col.title,
                    _(
                        "The credit code was stored as a number, which loses digits: format the column as text and "
                        "type the code again."
                    ),
                )
            elif code_problem:
                result.add_error(row_no, code_col.title, code_problem)
            stored = known.get(code)
            cells: dict[str, str] = {}
            for field, index, hc, how, maskable, limit in readers:
                value = values[index]
                if type(value) is str:
                    if maskable and "*" in value:
                        continue  # masked in an export (等保): keep the stored value
                    if how == _PLAIN:  # a text cell: no lookup, nothing to cache
                        text = nfkc("NFKC", value).strip()
                        if not text:
                            continue
                        if len(text) > limit:
                            result.add_error(row_no, hc.title, _too_long(limit, text))
                        else:
                            cells[field] = text
                        continue
                    if not value.strip():
                        continue
                elif value is None:
                    continue
                key = (field, value) if how == _CACHED else None
                cached = cell_cache.get(key) if key is not None else None
                if cached is None:
                    try:
                        cached = self._cell(hc.column, value, today=today, counties=counties, industries=industries)
                    except CellError as error:
                        cached = CellError(str(error))
                    if key is not None:
                        cell_cache[key] = cached
                if isinstance(cached, CellError):
                    result.add_error(row_no, hc.title, str(cached))
                else:
                    cells[field] = cached
            if (
                "name" not in cells
                and "name" in by_field
                and not any(
                    e["row"] == row_no and e["column"] == by_field["name"].title for e in result.errors[errors_before:]
                )
            ):
                result.add_error(row_no, by_field["name"].title, _("The enterprise name is missing."))
            county_id = int(cells["county_id"]) if "county_id" in cells else None
            county_title = by_field["county_id"].title if "county_id" in by_field else code_col.title
            if own_county is not None:
                if stored is not None and stored[1] != own_county:
                    result.add_error(
                        row_no,
                        code_col.title,
                        _(
                            "The enterprise %(code)s is recorded in %(county)s, not in your county: only the city "
                            "can move an enterprise between counties."
                        )
                        % {"code": code, "county": county_names.get(stored[1], "")},
                    )
                elif county_id is not None and county_id != own_county:
                    result.add_error(
                        row_no,
                        county_title,
                        _("%(county)s is not your county: import enterprises of your own county only.")
                        % {"county": county_names.get(county_id, "")},
                    )
                elif county_id is None:
                    cells["county_id"] = str(own_county)
            elif stored is None and county_id is None and len(result.errors) == errors_before:
                result.add_error(row_no, county_title, _("The county is missing: a new enterprise needs its county."))
            elif stored is not None and county_id is not None and county_id != stored[1]:
                moved_on = self._moved_on(values, moved_on_col, row_no, result, today)
                latest = latest_move.get(stored[0])
                back_dated = moved_on is not None and latest is not None and moved_on < latest
                if back_dated and latest is not None:
                    result.add_error(
                        row_no,
                        moved_on_col.title if moved_on_col is not None else county_title,
                        _(
                            "The move cannot take effect before the enterprise's latest move (%(date)s): record "
                            "the moves in the order they happened."
                        )
                        % {"date": latest.isoformat()},
                    )
                elif moved_on is not None:
                    cells[MOVED_ON] = moved_on.isoformat()
                if not back_dated:
                    moves.append(
                        _("row %(row)d: %(code)s from %(before)s to %(after)s, effective %(date)s")
                        % {
                            "row": row_no,
                            "code": code,
                            "before": county_names.get(stored[1], ""),
                            "after": county_names.get(county_id, ""),
                            "date": moved_on.isoformat() if moved_on else _("on the day the import is written"),
                        }
                    )
            if len(result.errors) != errors_before:
                continue
            first = first_row_of.get(code)
            if first is not None:
                result.add_error(
                    row_no,
                    code_col.title,
                    _("Row %(first)d already has this credit code: keep one of the rows.") % {"first": first},
                )
                continue
            first_row_of[code] = row_no
            if COPY_SPECIAL.search("".join(cells.values())) is None:  # nothing to escape (one search a row)
                line = "\t".join([str(row_no), code, *[cells.get(f, NULL) for f in STAGED]])
            else:
                line = "\t".join([str(row_no), code, *[copy_text(v) if (v := cells.get(f)) else NULL for f in STAGED]])
            pending.append((row_no, line))
        if footer_from:
            result.notes.append(
                _("Rows %(row)d and below are the signature footer (填表人、审核人…): not imported.")
                % {"row": footer_from}
            )
        if moves:
            result.notes.append(
                _("Enterprises moved to another county: %(moves)s.")
                % {"moves": "；".join(moves[:50]) + ("…" if len(moves) > 50 else "")}
            )
        error_rows = result.error_rows
        result.lines = [line for row_no, line in pending if row_no not in error_rows]
        result.errors.sort(key=lambda e: e["row"])
        result.validate_seconds = time.perf_counter() - started  # reading the rows included
        return result

    def _moved_on(self, values, column, row_no: int, result: CheckResult, today: dt.date) -> dt.date | None:
        """The date a row's move took effect (the optional column), or None: the day it is written."""
        if column is None or is_empty(values[column.index]):
            return None
        try:
            return parse_date(
                values[column.index],
                today,
                future_message=_("The date the move took effect cannot be in the future."),
            )
        except CellError as error:
            result.add_error(row_no, column.title, str(error))
            return None

    def _cell(self, column: Column, value, *, today, counties, industries) -> str:
        kind = column.kind
        if kind == COUNTY:
            text = normalise_text(text_of(value))
            county = counties.get(text) or counties.get(text.removeprefix("江门市"))
            if county is None:
                if text in ("江门市", "江门"):
                    raise CellError(_("Name the county (such as 台山市), not only the city."))
                raise CellError(
                    _("“%(value)s” is not a county of the city: write its name (台山市) or code (440781).")
                    % {"value": text_of(value)}
                )
            return str(county)
        if kind == INDUSTRY:
            text = text_of(value).upper()
            industry = industries.get(text) or industries.get(normalise_text(text_of(value)))
            if industry is None and text.isdigit() and len(text) in (3, 4):
                industry = industries.get(text[:2])  # a group or class code: its division is recorded
            if industry is None:
                raise CellError(_("“%(value)s” is not a GB/T 4754 industry code.") % {"value": text})
            return str(industry)
        if kind == DATE:
            return parse_date(value, today).isoformat()
        text = text_of(value)
        if kind == PHONE:
            text = text.replace(" ", "")
            if not _PHONE.match(text):
                raise CellError(_("Enter a mobile number of 11 digits or a landline such as 0750-3123456."))
        limit = MAX_LENGTH.get(column.field)
        if limit and len(text) > limit:
            raise CellError(_too_long(limit, text))
        return text

    # -- the set-based write ---------------------------------------------------------------------
    def lock(self):
        lock_table(_ENT)

    def create_staging(self):
        cols = ", ".join(f"{_q(f)} {_TYPES[f]}, {_q('before_' + f)} {_TYPES[f]}" for f in FIELDS)
        create_temp_table(
            STAGING,
            f"row_no integer NOT NULL, credit_code varchar(18) NOT NULL, enterprise_id bigint NULL, "
            f"kind smallint DEFAULT {NEW}, {cols}, {_q(MOVED_ON)} date NULL",
        )

    def drop_staging(self):
        drop_temp_table(STAGING)

    def load_staging(self, lines):
        load_lines(STAGING, ["row_no", "credit_code", *STAGED], lines, analyze=("credit_code",))

    def staged_outside_county(self, county_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {STAGING} st LEFT JOIN {_ENT} e ON e.credit_code = st.credit_code "
                f"WHERE e.county_id <> %s OR st.county_id <> %s",
                [county_id, county_id],
            )
            return int(cursor.fetchone()[0])

    def classify(self):
        keep = ", ".join(f"{_q('before_' + f)} = e.{_q(f)}" for f in FIELDS)
        differs = " OR ".join(
            f"({STAGING}.{_q(f)} IS NOT NULL AND {STAGING}.{_q(f)} IS DISTINCT FROM {STAGING}.{_q('before_' + f)})"
            for f in FIELDS
        )
        if connection.vendor != "postgresql":
            differs = differs.replace("IS DISTINCT FROM", "IS NOT")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {STAGING} SET enterprise_id = e.id, kind = {UNCHANGED}, {keep} FROM {_ENT} e "
                f"WHERE e.credit_code = {STAGING}.credit_code"
            )
            cursor.execute(f"UPDATE {STAGING} SET kind = {CHANGED} WHERE kind = {UNCHANGED} AND ({differs})")
        return count_kinds(STAGING)

    def preview(self, limit):
        cols = ", ".join(f"st.{_q(f)}, st.{_q('before_' + f)}" for f in FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT st.row_no, st.credit_code, st.kind, {cols}, st.{_q(MOVED_ON)} FROM {STAGING} st "
                f"WHERE st.kind IN ({NEW}, {CHANGED}) ORDER BY st.row_no LIMIT %s",
                [limit],
            )
            rows = cursor.fetchall()
        shown = _Shown()
        out = []
        for row in rows:
            new = row[2] == NEW
            changes = []
            for i, field in enumerate(FIELDS):
                after, before = row[3 + 2 * i], row[4 + 2 * i]
                if after is None or (not new and str(after) == str(before)):
                    continue
                value = shown(field, after)
                if field == "county_id" and not new:  # a move: with the day it takes effect
                    value = _("%(county)s (from %(date)s)") % {
                        "county": value,
                        "date": _iso(row[-1]) if row[-1] else _("the day the import is written"),
                    }
                changes.append([_label(field), "" if new else shown(field, before), value])
            name = row[3] if row[3] is not None else row[4]
            out.append(
                {
                    "row": row[0],
                    "object": f"{name} · {row[1]}",
                    "action": "new" if new else "changed",
                    "changes": changes,
                }
            )
        return out

    def write(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        coalesced = ", ".join(f"COALESCE({_q(f)}, '')" if f in TEXT_FIELDS and f != "name" else _q(f) for f in FIELDS)
        sets = ", ".join(f"{_q(f)} = COALESCE(st.{_q(f)}, {_ENT}.{_q(f)})" for f in FIELDS)
        before = ", ".join(f"st.{_q('before_' + f)}" for f in FIELDS)
        after = ", ".join(f"e.{_q(f)}" for f in FIELDS)
        change_cols = ", ".join(
            [
                "statistic_import_id, enterprise_id, credit_code, created, row_no, version_after",
                *(_q(f"before_{f}") for f in FIELDS),
                *(_q(f"after_{f}") for f in FIELDS),
            ]
        )
        false = "false" if connection.vendor == "postgresql" else "0"
        insert = (
            f"INSERT INTO {_ENT} (credit_code, {', '.join(_q(f) for f in FIELDS)}, status, is_demo, version, "
            f"created_at, updated_at) SELECT credit_code, {coalesced}, %s, {false}, 1, %s, %s FROM {STAGING} "
            f"WHERE kind = {NEW}"
        )
        update = (
            f"UPDATE {_ENT} SET {sets}, version = {_ENT}.version + 1, updated_at = %s FROM {STAGING} st "
            f"WHERE st.kind = {CHANGED} AND {_ENT}.id = st.enterprise_id"
        )
        record = (
            f"INSERT INTO {_CHANGE} ({change_cols}) SELECT %s, e.id, e.credit_code, st.kind = {NEW}, st.row_no, "
            f"e.version, {before}, {after} "
        )
        with connection.cursor() as cursor:
            # the moves first (the staging table holds the county before and after): one statement
            self._record_moves(cursor, import_id)
            if connection.vendor == "postgresql":
                # One statement, as the statistics kind's upsert: the insert of the new enterprises and the
                # update of the changed ones return what each became, and the change rows are written from
                # that (joined to the staging table in memory, not looked up in the enterprise table again)
                cursor.execute("SET LOCAL work_mem = '64MB'")
                returned = ", ".join(f"{_ENT}.{c}" for c in ["id", "credit_code", "version", *(_q(f) for f in FIELDS)])
                cursor.execute(
                    f"WITH ins AS ({insert} RETURNING {returned}), "
                    f"upd AS ({update} RETURNING {returned}), e AS (SELECT * FROM ins UNION ALL SELECT * FROM upd) "
                    f"{record}FROM e JOIN {STAGING} st ON st.credit_code = e.credit_code",
                    ["operating", now, now, now, import_id],
                )
                return
            cursor.execute(insert, ["operating", now, now])
            cursor.execute(update, [now])
            cursor.execute(
                f"{record}FROM {STAGING} st JOIN {_ENT} e ON e.credit_code = st.credit_code "
                f"WHERE st.kind IN ({NEW}, {CHANGED})",
                [import_id],
            )

    def _record_moves(self, cursor, import_id) -> None:
        """An ``EnterpriseCountyChange`` for each staged row that moves a known enterprise to another
        county, effective on the row's date or today, recorded by the importer, linked to the import."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        today = connection.ops.adapt_datefield_value(timezone.localdate())
        importer = StatisticImport.objects.filter(pk=import_id).values_list("requested_by_id", flat=True).first()
        note = _("Roster import #%(id)d") % {"id": import_id}
        cursor.execute(
            f"INSERT INTO {_MOVE} (created_at, updated_at, enterprise_id, from_county_id, to_county_id, "
            f"effective_on, note, recorded_by_id, statistic_import_id) "
            f"SELECT %s, %s, st.enterprise_id, st.{_q('before_county_id')}, st.{_q('county_id')}, "
            f"COALESCE(st.{_q(MOVED_ON)}, %s), %s, %s, %s FROM {STAGING} st "
            f"WHERE st.kind = {CHANGED} AND st.{_q('county_id')} IS NOT NULL "
            f"AND st.{_q('county_id')} <> st.{_q('before_county_id')} ORDER BY st.row_no",
            [now, now, today, note, importer, import_id],
        )

    def undo_conflicts(self, import_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.row_no FROM {_CHANGE} c LEFT JOIN {_ENT} e ON e.id = c.enterprise_id "
                f"WHERE c.statistic_import_id = %s AND (e.id IS NULL OR e.version <> c.version_after "
                f"OR (c.created = %s AND (EXISTS (SELECT 1 FROM {_STAT} s WHERE s.enterprise_id = e.id) "
                f"OR EXISTS (SELECT 1 FROM {_TITLE} t WHERE t.enterprise_id = e.id)))) ORDER BY c.row_no",
                [import_id, True],
            )
            return [r[0] for r in cursor.fetchall()]

    def undo(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        sets = ", ".join(
            f"{_q(f)} = COALESCE(c.{_q('before_' + f)}, '')"
            if f in TEXT_FIELDS and f != "name"
            else f"{_q(f)} = c.{_q('before_' + f)}"
            for f in FIELDS
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_MOVE} WHERE statistic_import_id = %s", [import_id])  # its moves
            cursor.execute(
                f"UPDATE {_ENT} SET {sets}, version = {_ENT}.version + 1, updated_at = %s FROM {_CHANGE} c "
                f"WHERE c.enterprise_id = {_ENT}.id AND c.statistic_import_id = %s AND c.created = %s",
                [now, import_id, False],
            )
            cursor.execute(
                f"DELETE FROM {_ENT} WHERE id IN (SELECT enterprise_id FROM {_CHANGE} "
                f"WHERE statistic_import_id = %s AND created = %s)",
                [import_id, True],
            )

    def describe_changes(self, rows, *, undo=False):
        shown = _Shown()
        described = []
        for row in rows:
            changes = []
            for field in FIELDS:
                before = None if row.created else getattr(row, f"before_{field}")
                after = getattr(row, f"after_{field}")
                if undo:
                    before, after = after, before
                if before != after:
                    changes.append((_label(field), shown(field, before), shown(field, after)))
            described.append(
                {
                    "row_no": row.row_no,
                    "object_type": Enterprise._meta.label_lower,
                    "object_id": row.enterprise_id,
                    "object_repr": f"{row.after_name or row.before_name} · {row.credit_code}",
                    "action": row_action(row.created, undo),
                    "changes": changes,
                }
            )
        return described

    def build_template(self, *, user=None):
        from .template import build_kind_template

        return build_kind_template(self, instructions=INSTRUCTIONS())

    def committed_message(self, import_id):
        return _("Enterprise roster import #%(id)d committed") % {"id": import_id}

    def undone_message(self, import_id):
        return _("Enterprise roster import #%(id)d undone") % {"id": import_id}


def INSTRUCTIONS() -> list[tuple[str, str]]:  # noqa: N802 - built per request (translated)
    return [
        (
            _("Key"),
            _(
                "Each row is one enterprise, identified by its unified social credit code. A known code "
                "updates the enterprise; a new code adds it. Running the same file twice changes nothing."
            ),
        ),
        (
            _("County"),
            _(
                "The county's name (台山市 or 江门市台山市) or its GB/T 2260 code (440781). A county "
                "official imports her own county's enterprises only; moving an enterprise to another "
                "county is for the city."
            ),
        ),
        (
            _("Industry"),
            _("The GB/T 4754-2017 division code (34) or a longer class code (3484): its division is recorded."),
        ),
        (
            _("Moves"),
            _(
                "For the city: a known enterprise placed in another county is moved there. The column "
                "迁移生效日期 (optional) gives the first day in the new county (default: the day the import is "
                "written); it may not be in the future nor before the enterprise's latest move. Figures as of an "
                "earlier date count the enterprise in its former county. Left empty on rows that do not move."
            ),
        ),
        (_("Dates"), _("Write 2015-03-01 or 2015年3月1日.")),
        (_("Empty cells"), _("An empty cell keeps the value already in the portal.")),
        (
            _("Not accepted"),
            _("Formulas (paste values instead), the same credit code twice in one file, merged cells in the data."),
        ),
    ]


# -- helpers ---------------------------------------------------------------------------------------

_ENT = Enterprise._meta.db_table
_CHANGE = EnterpriseImportChange._meta.db_table
_MOVE = EnterpriseCountyChange._meta.db_table
_STAT = Statistic._meta.db_table
_TITLE = Title._meta.db_table
_TYPES = {
    "name": "varchar(200)",
    "county_id": "bigint",
    "industry_id": "bigint",
    "niche_market": "varchar(200)",
    "address": "varchar(300)",
    "established_on": "date",
    "contact_person": "varchar(50)",
    "contact_phone": "varchar(20)",
}


_PLAIN, _CACHED, _OTHER = range(3)  # how check_rows reads a column


def _iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _too_long(limit: int, text: str) -> str:
    return _("At most %(n)d characters; this has %(m)d.") % {"n": limit, "m": len(text)}


def _label(field: str) -> str:
    return str(getattr(Enterprise._meta.get_field(field.removesuffix("_id")), "verbose_name", field))


class _Shown:
    """Display values for the preview (county and industry by name), looked up once."""

    def __init__(self):
        self.places = dict(Place.objects.filter(level="county").values_list("pk", "name"))
        self.industries: dict[int, str] | None = None

    def __call__(self, field: str, value) -> str:
        if value is None or value == "":
            return ""
        if field == "county_id":
            return self.places.get(int(value), str(value))
        if field == "industry_id":
            if self.industries is None:
                self.industries = {
                    pk: f"{code} {name}" for pk, code, name in Industry.objects.values_list("pk", "code", "name")
                }
            return self.industries.get(int(value), str(value))
        return str(value)


ROSTER = register(RosterKind())

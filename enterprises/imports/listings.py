"""The listing-record import kind (上市进程记录): one row per step on an enterprise's road to a listing.

Columns: 统一社会信用代码 and/or 企业名称 (the code wins; a name must be unique; ``naming``), 阶段 (a
``ListingStage`` by its Chinese label, such as 辅导备案, or its code, such as ``tutoring``), 板块 (a
``ListingVenue`` by label or code), 日期, and optionally 备注. A record is matched by (enterprise,
stage, venue, date): an unknown one is created, a known one with another note gets the file's note
(an empty note cell keeps the recorded one), the others are unchanged and not saved. The pipeline's
stages are derived from the records (``listings.pipeline``), so they follow the import.

A county official imports her own county's enterprises only (each row is checked, and the engine
checks the staged rows again before writing). The undo deletes the records the import created and
puts the old notes back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Place
from core.scoping import scope_for
from enterprises.choices import ListingStage, ListingVenue
from enterprises.models import Enterprise, ListingImportChange, ListingRecord

from .columns import CODE, TEXT, Column, normalise_text
from .engine import ImportKind, register
from .naming import BY_CODE, BY_NAME, EnterpriseIndex, data_rows
from .parsing import CellError, is_empty, text_of
from .roster import parse_date
from .validation import CheckResult
from .writer import (
    CHANGED,
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

STAGING = "import_staging_listings"
CHANGE_SET_KIND = "listing_import"
CHOICE, DATE = "choice", "date"
NOTE_LENGTH: int = ListingRecord._meta.get_field("note").max_length or 300

COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", CODE, example="91440781MA4UJ0000X", aliases=("信用代码",)),
    Column("name", "企业名称", TEXT, example="台山示例精密有限公司", aliases=("企业名", "单位名称")),
    Column("stage", "阶段", CHOICE, required=True, example="辅导备案", aliases=("上市阶段", "进程", "上市进程")),
    Column("venue", "板块", CHOICE, required=True, example="北交所", aliases=("上市板块", "拟上市板块", "交易所")),
    Column("date", "日期", DATE, required=True, example="2025-06-30", aliases=("时间", "进程日期")),
    Column("note", "备注", TEXT, example="", aliases=("说明",)),
)

_ENT = Enterprise._meta.db_table
_RECORD = ListingRecord._meta.db_table
_CHANGE = ListingImportChange._meta.db_table
DIGEST_COLUMNS = (
    "id",
    "statistic_import_id",
    "record_id",
    "enterprise_id",
    "stage",
    "venue",
    "date",
    "created",
    "row_no",
    "version_after",
    "before_note",
    "after_note",
)
CHANGES = ChangeSet(ListingImportChange, DIGEST_COLUMNS, ListingRecord, "record_id")


def choice_lookup(choices: Any) -> dict[str, str]:
    """A choice's code, its Chinese label and its English msgid (normalised) → the code."""
    out: dict[str, str] = {}
    for value, _label in choices.choices:
        out[normalise_text(value)] = value
        with translation.override("zh-hans"):
            out[normalise_text(str(choices(value).label))] = value
        with translation.override("en"):
            out[normalise_text(str(choices(value).label))] = value
    return out


def chinese_labels(choices: Any) -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in choices.choices)


class ListingRecordsKind(ImportKind):
    code = "listing_records"
    label = gettext_lazy("listing records")
    data_sheet = "上市进程记录"
    columns = COLUMNS
    change_set_kind = CHANGE_SET_KIND
    changes = CHANGES
    title_rows = True
    ignored_headers = frozenset({"序号"})  # 备注 is a column of this kind

    # -- row checks ------------------------------------------------------------------------------
    def check_rows(self, workbook, *, user, today, progress, options):
        result = CheckResult()
        index = EnterpriseIndex(workbook, ("id", "county_id"))
        if index.code_col is None and index.name_col is None:
            result.add_error(0, "", _("The file needs the column 统一社会信用代码 or 企业名称 to name the enterprise."))
            return result
        own_county = scope_for(user).county_id
        county_names = dict(Place.objects.filter(level="county").values_list("pk", "name"))
        stages, venues = choice_lookup(ListingStage), choice_lookup(ListingVenue)
        by_field: dict[str, Any] = {hc.column.field: hc for hc in workbook.columns}
        stage_col, venue_col, date_col = by_field["stage"], by_field["venue"], by_field["date"]
        note_col = by_field.get("note")
        first_row_of: dict[tuple[int, str, str, dt.date], int] = {}
        pending: list[tuple[int, str]] = []
        for row_no, values, errors_before in data_rows(workbook, result, index):
            enterprise, method = index.match(result, row_no, values)
            if enterprise is not None and own_county is not None and enterprise[1] != own_county:
                result.add_error(
                    row_no,
                    index.title,
                    _(
                        "The enterprise is recorded in %(county)s, not in your county: only its county or the "
                        "city records its listing steps."
                    )
                    % {"county": county_names.get(enterprise[1], "")},
                )
            stage = self._choice(result, row_no, stage_col, values, stages, ListingStage, _("The stage is missing."))
            venue = self._choice(result, row_no, venue_col, values, venues, ListingVenue, _("The venue is missing."))
            date: dt.date | None = None
            raw_date = values[date_col.index]
            if is_empty(raw_date):
                result.add_error(row_no, date_col.title, _("The date is missing."))
            else:
                try:
                    date = parse_date(raw_date, dt.date.max)
                except CellError as error:
                    result.add_error(row_no, date_col.title, str(error))
                else:
                    if date > today:
                        result.add_error(row_no, date_col.title, _("The date cannot be in the future."))
            note = text_of(values[note_col.index]).strip() if note_col is not None else ""
            if note_col is not None and len(note) > NOTE_LENGTH:
                result.add_error(
                    row_no,
                    note_col.title,
                    _("The note is %(n)d characters long: at most %(max)d.") % {"n": len(note), "max": NOTE_LENGTH},
                )
            if len(result.errors) != errors_before or enterprise is None or not stage or not venue or date is None:
                continue
            key = (enterprise[0], stage, venue, date)
            first = first_row_of.get(key)
            if first is not None:
                result.add_error(
                    row_no,
                    stage_col.title,
                    _(
                        "Row %(first)d already records this step (enterprise, stage, venue and date): keep one of the rows."
                    )
                    % {"first": first},
                )
                continue
            first_row_of[key] = row_no
            pending.append(
                (
                    row_no,
                    f"{row_no}\t{enterprise[0]}\t{method}\t{stage}\t{venue}\t{date.isoformat()}\t"
                    f"{copy_text(note) if note else NULL}",
                )
            )
        result.notes.extend(workbook.ignored_notes)
        error_rows = result.error_rows
        result.lines = [line for row_no, line in pending if row_no not in error_rows]
        result.errors.sort(key=lambda e: e["row"])
        return result

    @staticmethod
    def _choice(result, row_no, column, values, lookup, choices, missing) -> str:
        raw = text_of(values[column.index])
        if not raw:
            result.add_error(row_no, column.title, missing)
            return ""
        code = lookup.get(normalise_text(raw))
        if code is None:
            result.add_error(
                row_no,
                column.title,
                _("“%(value)s” is not one of: %(choices)s.") % {"value": raw, "choices": chinese_labels(choices)},
            )
            return ""
        return code

    # -- the set-based write -----------------------------------------------------------------------
    def lock(self):
        lock_table(_RECORD)

    def create_staging(self):
        create_temp_table(
            STAGING,
            f"row_no integer NOT NULL, enterprise_id bigint NOT NULL, method smallint NOT NULL, "
            f"stage varchar(16) NOT NULL, venue varchar(16) NOT NULL, date date NOT NULL, note varchar(300) NULL, "
            f"record_id bigint NULL, before_note varchar(300) NULL, kind smallint DEFAULT {NEW}",
        )

    def drop_staging(self):
        drop_temp_table(STAGING)

    def load_staging(self, lines):
        load_lines(
            STAGING,
            ["row_no", "enterprise_id", "method", "stage", "venue", "date", "note"],
            lines,
            analyze=("enterprise_id",),
        )

    def staged_outside_county(self, county_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {STAGING} st JOIN {_ENT} e ON e.id = st.enterprise_id WHERE e.county_id <> %s",
                [county_id],
            )
            return cursor.fetchone()[0]

    def classify(self):
        """A known record (the first of its enterprise, stage, venue and date) is changed when the
        row brings another note, else unchanged."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {STAGING} SET record_id = (SELECT MIN(r.id) FROM {_RECORD} r WHERE "
                f"r.enterprise_id = {STAGING}.enterprise_id AND r.stage = {STAGING}.stage AND "
                f"r.venue = {STAGING}.venue AND r.date = {STAGING}.date)"
            )
            cursor.execute(
                f"UPDATE {STAGING} SET before_note = r.note, kind = CASE WHEN {STAGING}.note IS NOT NULL AND "
                f"{STAGING}.note <> r.note THEN {CHANGED} ELSE {UNCHANGED} END FROM {_RECORD} r "
                f"WHERE r.id = {STAGING}.record_id"
            )
        return count_kinds(STAGING)

    def preview(self, limit):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT st.row_no, e.name, e.credit_code, st.method, st.kind, st.stage, st.venue, st.date, st.note, "
                f"st.before_note FROM {STAGING} st JOIN {_ENT} e ON e.id = st.enterprise_id ORDER BY st.row_no LIMIT %s",
                [limit],
            )
            rows = cursor.fetchall()
        methods = {BY_CODE: _("matched by credit code"), BY_NAME: _("matched by name")}
        actions = {NEW: "new", CHANGED: "changed", UNCHANGED: "unchanged"}
        out = []
        for row_no, name, code, method, kind, stage, venue, date, note, before_note in rows:
            step = f"{ListingStage(stage).label} · {ListingVenue(venue).label} · {date.isoformat()}"
            if kind == NEW:
                changes = [[_("listing record"), "", step]]
                if note:
                    changes.append([_("note"), "", note])
            elif kind == CHANGED:
                changes = [[_("note"), before_note or "", note or ""]]
            else:
                changes = [[_("unchanged"), "", _("already recorded")]]
            out.append(
                {
                    "row": row_no,
                    "object": f"{name} · {code} · {step}",
                    "method": str(methods.get(method, "")),
                    "action": actions[kind],
                    "changes": changes,
                }
            )
        return out

    def write(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_RECORD} (enterprise_id, stage, venue, date, stock_code, note, version, created_at, "
                f"updated_at) SELECT enterprise_id, stage, venue, date, '', COALESCE(note, ''), 1, %s, %s "
                f"FROM {STAGING} WHERE kind = {NEW}",
                [now, now],
            )
            # the new records' ids (the table is locked: the newest record of each key is the import's)
            cursor.execute(
                f"UPDATE {STAGING} SET record_id = (SELECT MAX(r.id) FROM {_RECORD} r WHERE "
                f"r.enterprise_id = {STAGING}.enterprise_id AND r.stage = {STAGING}.stage AND "
                f"r.venue = {STAGING}.venue AND r.date = {STAGING}.date) WHERE kind = {NEW}"
            )
            cursor.execute(
                f"UPDATE {_RECORD} SET note = st.note, version = {_RECORD}.version + 1, updated_at = %s "
                f"FROM {STAGING} st WHERE st.kind = {CHANGED} AND {_RECORD}.id = st.record_id",
                [now],
            )
            cursor.execute(
                f"INSERT INTO {_CHANGE} (statistic_import_id, record_id, enterprise_id, stage, venue, date, created, "
                f"row_no, version_after, before_note, after_note) SELECT %s, r.id, r.enterprise_id, r.stage, r.venue, "
                f"r.date, st.kind = {NEW}, st.row_no, r.version, st.before_note, r.note FROM {STAGING} st "
                f"JOIN {_RECORD} r ON r.id = st.record_id WHERE st.kind IN ({NEW}, {CHANGED}) ORDER BY st.row_no",
                [import_id],
            )

    def undo_conflicts(self, import_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.row_no FROM {_CHANGE} c LEFT JOIN {_RECORD} r ON r.id = c.record_id "
                f"WHERE c.statistic_import_id = %s AND (r.id IS NULL OR r.version <> c.version_after) ORDER BY c.row_no",
                [import_id],
            )
            return [r[0] for r in cursor.fetchall()]

    def undo(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_RECORD} SET note = COALESCE(c.before_note, ''), version = {_RECORD}.version + 1, "
                f"updated_at = %s FROM {_CHANGE} c WHERE c.record_id = {_RECORD}.id AND c.statistic_import_id = %s "
                f"AND c.created = %s",
                [now, import_id, False],
            )
            cursor.execute(
                f"DELETE FROM {_RECORD} WHERE id IN (SELECT record_id FROM {_CHANGE} "
                f"WHERE statistic_import_id = %s AND created = %s)",
                [import_id, True],
            )

    def describe_changes(self, rows, *, undo=False):
        rows = list(rows)
        names = dict(Enterprise.objects.filter(pk__in={r.enterprise_id for r in rows}).values_list("pk", "name"))
        described = []
        for row in rows:
            before, after = (None if row.created else row.before_note), row.after_note
            if undo:
                before, after = after, before
            described.append(
                {
                    "row_no": row.row_no,
                    "object_type": ListingRecord._meta.label_lower,
                    "object_id": row.record_id,
                    "object_repr": f"{names.get(row.enterprise_id, row.enterprise_id)} · "
                    f"{ListingStage(row.stage).label} · {ListingVenue(row.venue).label} · {row.date:%Y-%m-%d}",
                    "action": row_action(row.created, undo),
                    "changes": [(_("note"), before, after)] if before != after else [],
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
                        "One row per step on the road to a listing: the enterprise (its credit code, or its exact "
                        "name), the stage, the venue and the date. A step already recorded with the same stage, "
                        "venue and date is not added again; running the same file twice changes nothing."
                    ),
                ),
                (_("Stage"), _("One of: %(choices)s (or its code).") % {"choices": chinese_labels(ListingStage)}),
                (_("Venue"), _("One of: %(choices)s (or its code).") % {"choices": chinese_labels(ListingVenue)}),
                (_("Date"), _("Write 2025-06-30 or 2025年6月30日; not in the future.")),
                (
                    _("Note"),
                    _("Optional. A note replaces the recorded step's note; an empty cell keeps the recorded one."),
                ),
                (
                    _("Stage derived"),
                    _(
                        "An enterprise's listing stage is its latest step: the pipeline pages follow the imported "
                        "records."
                    ),
                ),
                (_("County"), _("A county official imports her own county's enterprises only.")),
            ],
        )

    def committed_message(self, import_id):
        return _("Listing record import #%(id)d committed") % {"id": import_id}

    def undone_message(self, import_id):
        return _("Listing record import #%(id)d undone") % {"id": import_id}


LISTING_RECORDS = register(ListingRecordsKind())

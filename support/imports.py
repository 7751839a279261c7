"""The commissioner-assignment import kind (服务专员): one row per enterprise naming its service
commissioner and the day the assignment starts.

Columns: 统一社会信用代码 and/or 企业名称 (the code wins; a name must be unique), 服务专员（用户名或姓名）
(a portal user's username, or the full name of exactly one), 起始日期 (empty: the day of the check).
The rules are those of ``services.assign_commissioner``: the commissioner is an active county
official of the enterprise's county or a department user; the new assignment cannot start before the
current one; the same commissioner again changes nothing. A county official imports her own county
only (each row is checked, and the engine checks the staged rows again before writing). The write
ends the current assignment (``ends_on`` = the new start, kept as history) and creates the new one;
the change rows keep both, so the undo restores the previous commissioner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import AuditAction, Role
from accounts.models import Place, User
from core.scoping import scope_for
from enterprises.imports.columns import CODE, TEXT, Column, normalise_text
from enterprises.imports.engine import ImportKind, register
from enterprises.imports.naming import EnterpriseIndex, data_rows
from enterprises.imports.parsing import CellError, is_empty, text_of
from enterprises.imports.roster import parse_date
from enterprises.imports.validation import CheckResult
from enterprises.imports.writer import ChangeSet, create_temp_table, drop_temp_table, load_lines, lock_table
from enterprises.models import Enterprise, StatisticImport

from .models import CommissionerAssignment, CommissionerImportChange
from .services import COMMISSIONER_ROLES

STAGING = "import_staging_commissioners"
CHANGE_SET_KIND = "commissioner_import"
NEW, UNCHANGED, CHANGED = 1, 0, 2
DATE = "date"

COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", CODE, example="91440781MA4UJ0000X", aliases=("信用代码",)),
    Column("name", "企业名称", TEXT, example="台山示例精密有限公司", aliases=("企业名", "单位名称")),
    Column(
        "commissioner",
        "服务专员",
        TEXT,
        unit="用户名或姓名",
        required=True,
        example="taishan",
        aliases=("专员",),
    ),
    Column("starts_on", "起始日期", DATE, example="2026-01-05", aliases=("开始日期", "指派日期")),
)

_ASSIGN = CommissionerAssignment._meta.db_table
_CHANGE = CommissionerImportChange._meta.db_table
_ENT = Enterprise._meta.db_table
_USER = User._meta.db_table
DIGEST_COLUMNS = (
    "id",
    "statistic_import_id",
    "assignment_id",
    "enterprise_id",
    "commissioner_id",
    "starts_on",
    "row_no",
    "previous_id",
    "previous_commissioner_id",
    "previous_version_after",
)


def _display(full_name: str | None, username: str) -> str:
    return f"{full_name}（{username}）" if full_name else username


class CommissionersKind(ImportKind):
    code = "commissioners"
    label = gettext_lazy("commissioner assignments")
    data_sheet = "服务专员"
    columns = COLUMNS
    change_set_kind = CHANGE_SET_KIND
    # an import's change rows: one per assignment made, naming the assignment it replaced
    changes = ChangeSet(
        CommissionerImportChange, DIGEST_COLUMNS, CommissionerAssignment, "assignment_id", also_fields=("previous_id",)
    )
    title_rows = True

    # -- row checks ------------------------------------------------------------------------------
    def check_rows(self, workbook, *, user, today, progress, options):
        result = CheckResult()
        own_county = scope_for(user).county_id
        county_names = dict(Place.objects.filter(level="county").values_list("pk", "name"))
        index = EnterpriseIndex(workbook, ("id", "county_id"))
        by_username: dict[str, tuple[int, str, int | None]] = {}
        by_full_name: dict[str, list[tuple[int, str, int | None]]] = {}
        for pk, username, full_name, role, county_id in User.objects.filter(
            is_active=True, role__in=COMMISSIONER_ROLES
        ).values_list("id", "username", "full_name", "role", "county_id"):
            by_username[username] = (pk, role, county_id)
            if full_name:
                by_full_name.setdefault(normalise_text(full_name), []).append((pk, role, county_id))
        current = {
            enterprise_id: (commissioner_id, starts_on)
            for enterprise_id, commissioner_id, starts_on in CommissionerAssignment.objects.filter(
                is_current=True
            ).values_list("enterprise_id", "commissioner_id", "starts_on")
        }
        by_field: dict[str, Any] = {hc.column.field: hc for hc in workbook.columns}
        date_col: Any = by_field.get("starts_on")
        person_col = by_field["commissioner"]
        if index.code_col is None and index.name_col is None:
            result.add_error(0, "", _("The file needs the column 统一社会信用代码 or 企业名称 to name the enterprise."))
            return result
        enterprise_title = index.title
        first_row_of: dict[int, int] = {}
        pending: list[tuple[int, str]] = []
        for row_no, values, errors_before in data_rows(workbook, result, index):
            # the enterprise: by its credit code, else by its exact name
            enterprise: tuple[int, int] | None = index.match(result, row_no, values)[0]
            if enterprise is not None and own_county is not None and enterprise[1] != own_county:
                result.add_error(
                    row_no,
                    enterprise_title,
                    _(
                        "The enterprise is recorded in %(county)s, not in your county: only its county or the "
                        "city assigns its commissioner."
                    )
                    % {"county": county_names.get(enterprise[1], "")},
                )
                enterprise = None
            # the commissioner: a username, else the full name of exactly one user
            person: tuple[int, str, int | None] | None = None
            raw_person = text_of(values[person_col.index])
            if not raw_person:
                result.add_error(row_no, person_col.title, _("The service commissioner is missing."))
            elif raw_person in by_username:
                person = by_username[raw_person]
            else:
                people = by_full_name.get(normalise_text(raw_person), [])
                if not people:
                    result.add_error(
                        row_no,
                        person_col.title,
                        _(
                            "No active county official or department user with the username or name “%(name)s”: "
                            "a service commissioner must be one."
                        )
                        % {"name": raw_person},
                    )
                elif len(people) > 1:
                    result.add_error(
                        row_no,
                        person_col.title,
                        _("%(n)d users are named “%(name)s”: write the username instead.")
                        % {"n": len(people), "name": raw_person},
                    )
                else:
                    person = people[0]
            if person is not None and enterprise is not None:
                if person[1] == Role.COUNTY_OFFICIAL and person[2] != enterprise[1]:
                    result.add_error(
                        row_no,
                        person_col.title,
                        _("A county official can only serve enterprises of the own county."),
                    )
                    person = None
            # the start date (empty: today)
            starts_on = today
            raw_date = values[date_col.index] if date_col else ""
            if not is_empty(raw_date):
                try:
                    starts_on = parse_date(raw_date, dt.date.max)
                except CellError as error:
                    result.add_error(row_no, date_col.title, str(error))
                    starts_on = None
                else:
                    if starts_on > today:
                        result.add_error(row_no, date_col.title, _("The start date cannot be in the future."))
                        starts_on = None
            if len(result.errors) != errors_before or enterprise is None or person is None or starts_on is None:
                continue
            now = current.get(enterprise[0])
            if now is not None and now[0] != person[0] and starts_on < now[1]:
                result.add_error(
                    row_no,
                    date_col.title if date_col else person_col.title,
                    _("The new assignment cannot start before the current one (%(date)s).")
                    % {"date": now[1].isoformat()},
                )
                continue
            first = first_row_of.get(enterprise[0])
            if first is not None:
                result.add_error(
                    row_no,
                    enterprise_title,
                    _("Row %(first)d already names this enterprise: keep one of the rows.") % {"first": first},
                )
                continue
            first_row_of[enterprise[0]] = row_no
            pending.append((row_no, f"{row_no}\t{enterprise[0]}\t{person[0]}\t{starts_on.isoformat()}"))
        result.notes.extend(workbook.ignored_notes)
        error_rows = result.error_rows
        result.lines = [line for row_no, line in pending if row_no not in error_rows]
        result.errors.sort(key=lambda e: e["row"])
        return result

    # -- the set-based write -----------------------------------------------------------------------
    def lock(self):
        lock_table(_ASSIGN)

    def create_staging(self):
        create_temp_table(
            STAGING,
            "row_no integer NOT NULL, enterprise_id bigint NOT NULL, commissioner_id bigint NOT NULL, "
            f"starts_on date NOT NULL, previous_id bigint NULL, previous_commissioner_id bigint NULL, "
            f"kind smallint DEFAULT {NEW}",
        )

    def drop_staging(self):
        drop_temp_table(STAGING)

    def load_staging(self, lines):
        load_lines(STAGING, ["row_no", "enterprise_id", "commissioner_id", "starts_on"], lines)

    def staged_outside_county(self, county_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {STAGING} st JOIN {_ENT} e ON e.id = st.enterprise_id WHERE e.county_id <> %s",
                [county_id],
            )
            return cursor.fetchone()[0]

    def classify(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {STAGING} SET previous_id = a.id, previous_commissioner_id = a.commissioner_id, "
                f"kind = CASE WHEN a.commissioner_id = {STAGING}.commissioner_id THEN {UNCHANGED} ELSE {CHANGED} END "
                f"FROM {_ASSIGN} a WHERE a.enterprise_id = {STAGING}.enterprise_id AND a.is_current"
            )
            cursor.execute(f"SELECT kind, COUNT(*) FROM {STAGING} GROUP BY kind")
            counts = {NEW: 0, UNCHANGED: 0, CHANGED: 0}
            counts.update({int(k): int(n) for k, n in cursor.fetchall()})
        return {"new": counts[NEW], "changed": counts[CHANGED], "unchanged": counts[UNCHANGED]}

    def preview(self, limit):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT st.row_no, e.name, e.credit_code, st.kind, st.starts_on, u.full_name, u.username, "
                f"p.full_name, p.username FROM {STAGING} st JOIN {_ENT} e ON e.id = st.enterprise_id "
                f"JOIN {_USER} u ON u.id = st.commissioner_id LEFT JOIN {_USER} p ON p.id = st.previous_commissioner_id "
                f"ORDER BY st.row_no LIMIT %s",
                [limit],
            )
            rows = cursor.fetchall()
        actions = {NEW: "new", CHANGED: "changed", UNCHANGED: "unchanged"}
        out = []
        for row_no, name, code, kind, starts_on, full_name, username, p_full_name, p_username in rows:
            after = _display(full_name, username)
            if kind == UNCHANGED:
                changes = [[_("unchanged"), after, _("already the current commissioner")]]
            else:
                before = _display(p_full_name, p_username) if p_username else ""
                changes = [[_("service commissioner"), before, after], [_("assigned from"), "", starts_on.isoformat()]]
            out.append({"row": row_no, "object": f"{name} · {code}", "action": actions[kind], "changes": changes})
        return out

    def write(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        requested_by = StatisticImport.objects.filter(pk=import_id).values_list("requested_by_id", flat=True).first()
        note = _("Import #%(id)d") % {"id": import_id}
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_ASSIGN} SET is_current = FALSE, ends_on = st.starts_on, version = {_ASSIGN}.version + 1, "
                f"updated_at = %s FROM {STAGING} st WHERE st.kind = {CHANGED} AND {_ASSIGN}.id = st.previous_id",
                [now],
            )
            cursor.execute(
                f"INSERT INTO {_ASSIGN} (enterprise_id, commissioner_id, starts_on, ends_on, is_current, "
                f"assigned_by_id, note, version, created_at, updated_at) SELECT enterprise_id, commissioner_id, "
                f"starts_on, NULL, TRUE, %s, %s, 1, %s, %s FROM {STAGING} WHERE kind IN ({NEW}, {CHANGED})",
                [requested_by, note, now, now],
            )
            cursor.execute(
                f"INSERT INTO {_CHANGE} (statistic_import_id, assignment_id, enterprise_id, commissioner_id, starts_on, "
                f"row_no, previous_id, previous_commissioner_id, previous_version_after) SELECT %s, a.id, "
                f"st.enterprise_id, st.commissioner_id, st.starts_on, st.row_no, st.previous_id, "
                f"st.previous_commissioner_id, p.version FROM {STAGING} st JOIN {_ASSIGN} a "
                f"ON a.enterprise_id = st.enterprise_id AND a.is_current LEFT JOIN {_ASSIGN} p ON p.id = st.previous_id "
                f"WHERE st.kind IN ({NEW}, {CHANGED})",
                [import_id],
            )

    def undo_conflicts(self, import_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.row_no FROM {_CHANGE} c LEFT JOIN {_ASSIGN} n ON n.id = c.assignment_id "
                f"LEFT JOIN {_ASSIGN} p ON p.id = c.previous_id WHERE c.statistic_import_id = %s AND "
                f"(n.id IS NULL OR n.version <> 1 OR (c.previous_id IS NOT NULL AND "
                f"(p.id IS NULL OR p.version <> c.previous_version_after))) ORDER BY c.row_no",
                [import_id],
            )
            return [r[0] for r in cursor.fetchall()]

    def undo(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_ASSIGN} WHERE id IN (SELECT assignment_id FROM {_CHANGE} WHERE statistic_import_id = %s)",
                [import_id],
            )
            cursor.execute(
                f"UPDATE {_ASSIGN} SET is_current = TRUE, ends_on = NULL, version = {_ASSIGN}.version + 1, "
                f"updated_at = %s FROM {_CHANGE} c WHERE c.previous_id = {_ASSIGN}.id AND c.statistic_import_id = %s",
                [now, import_id],
            )

    def build_template(self, *, user=None):
        from enterprises.imports.template import build_kind_template

        return build_kind_template(
            self,
            instructions=[
                (
                    _("Key"),
                    _(
                        "One row per enterprise: its credit code (or its exact name) and its service commissioner. "
                        "Running the same file twice changes nothing."
                    ),
                ),
                (
                    _("Service commissioner"),
                    _(
                        "The portal username (such as taishan) or the full name of an active county official of "
                        "the enterprise's county or a department user. A name two users share is refused: write "
                        "the username."
                    ),
                ),
                (
                    _("Start date"),
                    _(
                        "Write 2026-01-05 or 2026年1月5日; empty: the day of the upload. The previous commissioner's "
                        "assignment ends that day and stays in the history."
                    ),
                ),
                (_("County"), _("A county official imports her own county's enterprises only.")),
            ],
        )

    def committed_message(self, import_id):
        return _("Commissioner import #%(id)d committed") % {"id": import_id}

    def undone_message(self, import_id):
        return _("Commissioner import #%(id)d undone") % {"id": import_id}

    def describe_changes(self, rows, *, undo=False):
        return describe_changes(rows, undo=undo)


def describe_changes(rows, *, undo: bool = False) -> list[dict]:
    rows = list(rows)
    names = dict(Enterprise.objects.filter(pk__in={r.enterprise_id for r in rows}).values_list("pk", "name"))
    people = {
        pk: _display(full_name, username)
        for pk, full_name, username in User.objects.filter(
            pk__in={r.commissioner_id for r in rows} | {r.previous_commissioner_id for r in rows}
        ).values_list("pk", "full_name", "username")
    }
    described = []
    for row in rows:
        before = people.get(row.previous_commissioner_id, "") if row.previous_commissioner_id else None
        after = people.get(row.commissioner_id, row.commissioner_id)
        if undo:
            before, after = after, before
        described.append(
            {
                "row_no": row.row_no,
                "object_type": CommissionerAssignment._meta.label_lower,
                "object_id": row.assignment_id,
                "object_repr": f"{names.get(row.enterprise_id, row.enterprise_id)} · {row.starts_on:%Y-%m-%d}",
                "action": AuditAction(AuditAction.DELETE if undo else AuditAction.CREATE).label,
                "changes": [(_("service commissioner"), before, after)],
            }
        )
    return described


COMMISSIONERS = register(CommissionersKind())

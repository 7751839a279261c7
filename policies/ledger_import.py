"""The support ledger's import kind (``ledger``): a granting unit's 拨付名单 (disbursement list),
one row per support paid, on the import engine (``enterprises.imports.engine``: preview, dry run,
commit, undo, progress, history, sealed audit trail).

The granting unit is stated for the whole file (and, optionally, a batch and a support type used
where a row names none). A row names the enterprise (统一社会信用代码, else its exact name after
normalisation, as the recognition list does), the policy (政策名称: a policy of the library by its
title or its 文号, else kept as free text, outside the library), the amount (扶持金额, 万元 or 元 as
the header says), the date paid (拨付日期), and optionally the grant's 文号, 批次 and 扶持类型.

A grant already in the ledger for the same enterprise, unit, policy and date is *unchanged* when
amount, type, batch and document agree, else *changed* (the values the file gives win; the undo
puts the old ones back). Imports are the city operator's, on behalf of the granting unit: the
ledger is written by the granting unit and the city (``SupportGrant.scope_check``; a county
official does not record grants) and the engine's upload, confirm and undo are county-scoped, so
the kind is ``city_only``. Department users enter their own unit's grants by form.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django import forms
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import AuditAction
from accounts.models import Department
from enterprises.imports.columns import AMOUNT, AMOUNT_UNITS, CODE, TEXT, Column, normalise_text
from enterprises.imports.engine import ImportKind, register
from enterprises.imports.naming import BY_CODE, BY_NAME, EnterpriseIndex, data_rows
from enterprises.imports.parsing import CellError, is_empty, parse_amount, text_of
from enterprises.imports.validation import CheckResult
from enterprises.imports.writer import ChangeSet, create_temp_table, drop_temp_table, lock_table
from enterprises.models import Enterprise

from .models import GrantImportChange, Policy, SupportGrant, SupportType

STAGING = "import_staging_grants"
CHANGE_SET_KIND = "grant_import"
NEW, UNCHANGED, CHANGED = 1, 0, 2
DATE = "date"

_GRANT = SupportGrant._meta.db_table
_ENT = Enterprise._meta.db_table
_CHANGE = GrantImportChange._meta.db_table
_TEXT_LIMITS = {"policy": 200, "document_no": 100, "batch": 100}

COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", TEXT, required=True, example="台山示例精密有限公司", aliases=("企业名", "单位名称")),
    Column("credit_code", "统一社会信用代码", CODE, example="91440781MA4UJ0000X", aliases=("信用代码",)),
    Column(
        "policy",
        "政策名称",
        TEXT,
        required=True,
        example="江门市专精特新企业研发奖补",
        aliases=("政策", "扶持政策", "项目名称", "扶持项目", "政策文号", "政策编号"),
    ),
    Column("amount", "扶持金额", AMOUNT, "万元", required=True, example=50, aliases=("拨付金额", "金额", "资助金额")),
    Column("granted_on", "拨付日期", DATE, required=True, example="2026-03-15", aliases=("拨付时间", "发放日期")),
    Column("document_no", "文号", TEXT, example="江科〔2026〕12号", aliases=("拨付文号", "文件号", "发文字号")),
    Column("batch", "批次", TEXT, example="2026年第一批"),
    Column("support_type", "扶持类型", TEXT, example="资金奖补", aliases=("支持类型", "类型")),
)

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)

DIGEST_COLUMNS = (
    "id",
    "statistic_import_id",
    "grant_id",
    "enterprise_id",
    "created",
    "row_no",
    "version_after",
    "before_amount",
    "after_amount",
    "before_support_type_id",
    "after_support_type_id",
    "before_batch",
    "after_batch",
    "before_document_no",
    "after_document_no",
)


def parse_paid_on(value, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    else:
        text = text_of(value).replace(" ", "")
        found = None
        for pattern in _DATE_PATTERNS:
            m = pattern.match(text)
            if m:
                try:
                    found = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    pass
                break
        if found is None:
            raise CellError(_("“%(value)s” is not a date: write 2026-03-15 or 2026年3月15日.") % {"value": text})
        date = found
    if date > today:
        raise CellError(_("The date paid cannot be in the future."))
    if date.year < 2000:
        raise CellError(_("The year %(year)d is too early.") % {"year": date.year})
    return date


def _policy_lookup() -> dict[str, list[int]]:
    """Normalised title or 文号 → library policies (one query)."""
    out: dict[str, list[int]] = {}
    for pk, title, document_no in Policy.objects.values_list("pk", "title", "document_no"):
        for key in {normalise_text(title), normalise_text(document_no or "")} - {""}:
            out.setdefault(key, []).append(pk)
    return out


def _type_lookup() -> dict[str, int]:
    out: dict[str, int] = {}
    for pk, code, name in SupportType.objects.values_list("pk", "code", "name"):
        out[normalise_text(name)] = pk
        out[normalise_text(code)] = pk
    return out


class LedgerKind(ImportKind):
    code = "ledger"
    label = gettext_lazy("disbursement list")
    data_sheet = "拨付名单"
    columns = COLUMNS
    change_set_kind = CHANGE_SET_KIND
    changes = ChangeSet(GrantImportChange, DIGEST_COLUMNS, SupportGrant, "grant_id")  # sealed into the audit chain
    title_rows = True
    lenient_headers = True
    city_only = True

    # -- the whole file: granting unit, default batch and support type -------------------------
    def option_fields(self):
        return {
            "department": forms.ModelChoiceField(
                queryset=Department.objects.order_by("pk"),
                label=_("Granting unit"),
                to_field_name="code",
                empty_label=None,
            ),
            "batch": forms.CharField(
                label=_("Batch"),
                max_length=100,
                required=False,
                help_text=_("Used for rows whose 批次 cell is empty."),
            ),
            "support_type": forms.ModelChoiceField(
                queryset=SupportType.objects.order_by("sort_order", "pk"),
                label=_("Support type"),
                to_field_name="code",
                required=False,
                help_text=_("Used for rows that name no type and no policy of the library."),
            ),
        }

    def options_from(self, cleaned):
        department, support_type = cleaned.get("department"), cleaned.get("support_type")
        return {
            "department": getattr(department, "code", department) or "",
            "batch": (cleaned.get("batch") or "").strip(),
            "support_type": getattr(support_type, "code", support_type) or "",
        }

    def validate_options(self, options: dict, today: dt.date) -> list[str]:
        problems = []
        if not Department.objects.filter(code=options.get("department") or "").exists():
            problems.append(_("Choose the granting unit of the list."))
        code = options.get("support_type") or ""
        if code and not SupportType.objects.filter(code=code).exists():
            problems.append(_("Unknown support type %(code)s.") % {"code": code})
        if len(options.get("batch") or "") > 100:
            problems.append(_("The batch is longer than 100 characters."))
        return problems

    def _stated(self, options: dict | None = None) -> tuple[Department, str, SupportType | None]:
        options = self.options if options is None else options
        code = options.get("support_type") or ""
        return (
            Department.objects.get(code=options["department"]),
            options.get("batch") or "",
            SupportType.objects.get(code=code) if code else None,
        )

    # -- row checks ------------------------------------------------------------------------------
    def check_rows(self, workbook, *, user, today, progress, options):
        _department, default_batch, default_type = self._stated(options)
        result = CheckResult()
        index = EnterpriseIndex(workbook)
        policies = _policy_lookup()
        policy_types = dict(Policy.objects.values_list("pk", "support_type_id"))
        types = _type_lookup()
        col = {hc.column.field: hc for hc in workbook.columns}
        name_col = col["name"]
        factor = AMOUNT_UNITS[col["amount"].unit or "万元"]
        first_row_of: dict[tuple, int] = {}
        pending: list[tuple[int, str]] = []
        for row_no, values, errors_before in data_rows(workbook, result, index):
            # the enterprise
            enterprise_id, method = index.match(result, row_no, values)
            # the texts
            texts: dict[str, str] = {}
            for field in ("policy", "document_no", "batch", "support_type"):
                hc = col.get(field)
                texts[field] = text_of(values[hc.index]) if hc is not None else ""
                limit = _TEXT_LIMITS.get(field)
                if hc is not None and limit and len(texts[field]) > limit:
                    result.add_error(
                        row_no,
                        hc.title,
                        _("At most %(n)d characters; this cell has %(m)d.") % {"n": limit, "m": len(texts[field])},
                    )
            # the policy: of the library, else free text
            policy_id, policy_text = None, ""
            policy_col = col["policy"]
            if not texts["policy"]:
                result.add_error(row_no, policy_col.title, _("Name the policy under which the support was paid."))
            else:
                found = policies.get(normalise_text(texts["policy"]), [])
                if len(found) > 1:
                    result.add_error(
                        row_no,
                        policy_col.title,
                        _("%(n)d policies of the library are called “%(name)s”: write the policy's 文号 instead.")
                        % {"n": len(found), "name": texts["policy"]},
                    )
                elif found:
                    policy_id = found[0]
                else:
                    policy_text = texts["policy"]
            # the support type: the row's, else the policy's, else the file's
            type_id = None
            type_col = col.get("support_type")
            if texts["support_type"]:
                type_id = types.get(normalise_text(texts["support_type"]))
                if type_id is None:
                    result.add_error(
                        row_no,
                        type_col.title if type_col else policy_col.title,
                        _("“%(value)s” is not a support type: write one of %(types)s.")
                        % {
                            "value": texts["support_type"],
                            "types": "、".join(
                                SupportType.objects.order_by("sort_order").values_list("name", flat=True)
                            ),
                        },
                    )
            elif policy_id is not None:
                type_id = policy_types[policy_id]
            elif default_type is not None:
                type_id = default_type.pk
            elif texts["policy"]:
                result.add_error(
                    row_no,
                    type_col.title if type_col else policy_col.title,
                    _(
                        "The policy is not in the library, so the support type is needed: fill the 扶持类型 column "
                        "or choose a support type for the whole file."
                    ),
                )
            # amount and date
            amount_col = col["amount"]
            amount = None
            raw_amount = values[amount_col.index]
            if is_empty(raw_amount):
                result.add_error(row_no, amount_col.title, _("The amount is missing."))
            else:
                try:
                    amount = parse_amount(raw_amount, factor, signed=False)
                except CellError as error:
                    result.add_error(row_no, amount_col.title, str(error))
                else:
                    if amount <= 0:
                        result.add_error(row_no, amount_col.title, _("The amount must be positive."))
            date_col = col["granted_on"]
            paid_on = None
            if is_empty(values[date_col.index]):
                result.add_error(row_no, date_col.title, _("The date paid is missing."))
            else:
                try:
                    paid_on = parse_paid_on(values[date_col.index], today)
                except CellError as error:
                    result.add_error(row_no, date_col.title, str(error))
            if len(result.errors) != errors_before or enterprise_id is None:
                continue
            assert amount is not None and paid_on is not None
            key = (enterprise_id, policy_id, normalise_text(policy_text), paid_on)
            first = first_row_of.get(key)
            if first is not None:
                result.add_error(
                    row_no,
                    name_col.title,
                    _("Row %(first)d already records this enterprise, policy and date: keep one of the rows.")
                    % {"first": first},
                )
                continue
            first_row_of[key] = row_no
            line = [
                row_no,
                enterprise_id,
                method,
                policy_id,
                policy_text,
                type_id,
                str(amount),
                paid_on.isoformat(),
                texts["batch"] or default_batch,
                texts["document_no"],
            ]
            pending.append((row_no, json.dumps(line, ensure_ascii=False)))
        result.notes.extend(workbook.ignored_notes)
        error_rows = result.error_rows
        result.lines = [line for row_no, line in pending if row_no not in error_rows]
        result.errors.sort(key=lambda e: e["row"])
        return result

    # -- the set-based write -----------------------------------------------------------------------
    def lock(self):
        lock_table(_GRANT)

    def create_staging(self):
        create_temp_table(
            STAGING,
            "row_no integer NOT NULL, enterprise_id bigint NOT NULL, method smallint NOT NULL, policy_id bigint NULL, "
            "policy_text varchar(200) NOT NULL, support_type_id bigint NOT NULL, amount numeric(14, 2) NOT NULL, "
            "granted_on date NOT NULL, batch varchar(100) NOT NULL, document_no varchar(100) NOT NULL, "
            f"grant_id bigint NULL, kind smallint DEFAULT {NEW}, before_amount numeric(14, 2) NULL, "
            "before_support_type_id bigint NULL, before_batch varchar(100) NULL, before_document_no varchar(100) NULL",
        )

    def drop_staging(self):
        drop_temp_table(STAGING)

    def load_staging(self, lines):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {STAGING} (row_no, enterprise_id, method, policy_id, policy_text, support_type_id, "
                f"amount, granted_on, batch, document_no) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [json.loads(line) for line in lines],
            )

    def classify(self):
        department, _batch, _type = self._stated()
        with connection.cursor() as cursor:
            # the ledger's grant for the same enterprise, unit, policy and date (the first, if several)
            cursor.execute(
                f"UPDATE {STAGING} SET grant_id = (SELECT MIN(g.id) FROM {_GRANT} g "
                f"WHERE g.enterprise_id = {STAGING}.enterprise_id AND g.department_id = %s "
                f"AND g.granted_on = {STAGING}.granted_on AND ((g.policy_id IS NULL AND {STAGING}.policy_id IS NULL "
                f"AND g.policy_text = {STAGING}.policy_text) OR g.policy_id = {STAGING}.policy_id))",
                [department.pk],
            )
            cursor.execute(
                f"UPDATE {STAGING} SET kind = {UNCHANGED}, before_amount = g.amount, "
                f"before_support_type_id = g.support_type_id, before_batch = g.batch, "
                f"before_document_no = g.document_no FROM {_GRANT} g WHERE g.id = {STAGING}.grant_id"
            )
            cursor.execute(
                f"UPDATE {STAGING} SET kind = {CHANGED} WHERE kind = {UNCHANGED} AND (before_amount <> amount "
                f"OR before_support_type_id <> support_type_id OR before_batch <> batch "
                f"OR before_document_no <> document_no)"
            )
            cursor.execute(f"SELECT kind, COUNT(*) FROM {STAGING} GROUP BY kind")
            counts = {NEW: 0, UNCHANGED: 0, CHANGED: 0}
            counts.update({int(k): int(n) for k, n in cursor.fetchall()})
        return {"new": counts[NEW], "changed": counts[CHANGED], "unchanged": counts[UNCHANGED]}

    def preview(self, limit):
        """Every row: the enterprise and how it matched, the policy (of the library or not), what changes."""
        types = dict(SupportType.objects.values_list("pk", "name"))
        titles = dict(Policy.objects.values_list("pk", "title"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT st.row_no, e.name, e.credit_code, st.method, st.kind, st.policy_id, st.policy_text, "
                f"st.amount, st.granted_on, st.support_type_id, st.batch, st.document_no, st.before_amount, "
                f"st.before_support_type_id, st.before_batch, st.before_document_no FROM {STAGING} st "
                f"JOIN {_ENT} e ON e.id = st.enterprise_id ORDER BY st.row_no LIMIT %s",
                [limit],
            )
            rows = cursor.fetchall()
        methods = {BY_CODE: _("matched by credit code"), BY_NAME: _("matched by name")}
        actions = {NEW: "new", CHANGED: "changed", UNCHANGED: "unchanged"}
        out = []
        for (
            row_no,
            name,
            code,
            method,
            kind,
            policy_id,
            policy_text,
            amount,
            granted_on,
            type_id,
            batch,
            document_no,
            before_amount,
            before_type,
            before_batch,
            before_document,
        ) in rows:
            if policy_id:
                policy = titles.get(policy_id, "")
            else:
                policy = _("%(policy)s (outside the library)") % {"policy": policy_text}
            if kind == NEW:
                changes = [[policy, "", f"{_amount(amount)} 万元 · {_date(granted_on)}"]]
            elif kind == CHANGED:
                pairs = [
                    (_("amount (10k yuan)"), _amount(before_amount), _amount(amount)),
                    (_("support type"), types.get(before_type, ""), types.get(type_id, "")),
                    (_("batch"), before_batch or "", batch),
                    (_("document number"), before_document or "", document_no),
                ]
                changes = [[str(label), b, a] for label, b, a in pairs if b != a]
            else:
                changes = [[_("unchanged"), "", _("already recorded")]]
            out.append(
                {
                    "row": row_no,
                    "object": f"{name} · {code}",
                    "method": str(methods.get(method, "")),
                    "action": actions[kind],
                    "changes": changes,
                }
            )
        return out

    def write(self, import_id):
        department, _batch, _type = self._stated()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_GRANT} (enterprise_id, policy_id, policy_text, department_id, support_type_id, amount, "
                f"granted_on, batch, document_no, external_id, push_id, version, created_at, updated_at) SELECT "
                f"enterprise_id, policy_id, policy_text, %s, support_type_id, amount, granted_on, batch, document_no, "
                f"'', NULL, 1, %s, %s "
                f"FROM {STAGING} WHERE kind = {NEW}",
                [department.pk, now, now],
            )
            # the new grants' ids: no grant had the key before (classify), so the match is the new one
            cursor.execute(
                f"UPDATE {STAGING} SET grant_id = (SELECT MIN(g.id) FROM {_GRANT} g "
                f"WHERE g.enterprise_id = {STAGING}.enterprise_id AND g.department_id = %s "
                f"AND g.granted_on = {STAGING}.granted_on AND ((g.policy_id IS NULL AND {STAGING}.policy_id IS NULL "
                f"AND g.policy_text = {STAGING}.policy_text) OR g.policy_id = {STAGING}.policy_id)) "
                f"WHERE kind = {NEW}",
                [department.pk],
            )
            cursor.execute(
                f"UPDATE {_GRANT} SET amount = st.amount, support_type_id = st.support_type_id, batch = st.batch, "
                f"document_no = st.document_no, version = {_GRANT}.version + 1, updated_at = %s FROM {STAGING} st "
                f"WHERE st.kind = {CHANGED} AND {_GRANT}.id = st.grant_id",
                [now],
            )
            cursor.execute(
                f"INSERT INTO {_CHANGE} (statistic_import_id, grant_id, enterprise_id, created, row_no, version_after, "
                f"before_amount, after_amount, before_support_type_id, after_support_type_id, before_batch, "
                f"after_batch, before_document_no, after_document_no) SELECT %s, g.id, g.enterprise_id, "
                f"st.kind = {NEW}, st.row_no, g.version, st.before_amount, g.amount, st.before_support_type_id, "
                f"g.support_type_id, st.before_batch, g.batch, st.before_document_no, g.document_no "
                f"FROM {STAGING} st JOIN {_GRANT} g ON g.id = st.grant_id WHERE st.kind IN ({NEW}, {CHANGED})",
                [import_id],
            )

    def undo_conflicts(self, import_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.row_no FROM {_CHANGE} c LEFT JOIN {_GRANT} g ON g.id = c.grant_id "
                f"WHERE c.statistic_import_id = %s AND (g.id IS NULL OR g.version <> c.version_after) ORDER BY c.row_no",
                [import_id],
            )
            return [r[0] for r in cursor.fetchall()]

    def conflict_message(self, rows):
        from enterprises.imports.engine import shown_rows

        return _(
            "%(n)d grants written by this import were changed or deleted afterwards (rows %(rows)s); "
            "undo the later changes first. Nothing was undone."
        ) % {"n": len(rows), "rows": shown_rows(rows)}

    def undo(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_GRANT} SET amount = c.before_amount, support_type_id = c.before_support_type_id, "
                f"batch = COALESCE(c.before_batch, ''), document_no = COALESCE(c.before_document_no, ''), "
                f"version = {_GRANT}.version + 1, updated_at = %s FROM {_CHANGE} c WHERE c.grant_id = {_GRANT}.id "
                f"AND c.statistic_import_id = %s AND c.created = %s",
                [now, import_id, False],
            )
            cursor.execute(
                f"DELETE FROM {_GRANT} WHERE id IN (SELECT grant_id FROM {_CHANGE} "
                f"WHERE statistic_import_id = %s AND created = %s)",
                [import_id, True],
            )

    def build_template(self, *, user=None):
        from enterprises.imports.template import build_kind_template

        return build_kind_template(
            self,
            instructions=[
                (
                    _("Key"),
                    _(
                        "The disbursement list as the granting unit keeps it: one row per support paid. The granting "
                        "unit is chosen when uploading. A title row above the header and a 序号 column are fine."
                    ),
                ),
                (
                    _("Matching"),
                    _(
                        "The enterprise by the credit code when the column is there, otherwise by the exact name. "
                        "The policy by its title or 文号 in the policy library; a policy not in the library is kept "
                        "as written and then needs a support type."
                    ),
                ),
                (
                    _("Re-import"),
                    _(
                        "A support already in the ledger for the same enterprise, unit, policy and date is not "
                        "added twice: the amount, type, batch and document of the file replace the stored ones."
                    ),
                ),
            ],
        )

    def committed_message(self, import_id):
        return _("Disbursement list import #%(id)d committed") % {"id": import_id}

    def undone_message(self, import_id):
        return _("Disbursement list import #%(id)d undone") % {"id": import_id}

    def describe_changes(self, rows, *, undo=False):
        return describe_changes(rows, undo=undo)


def _amount(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _date(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def describe_changes(rows, *, undo: bool = False) -> list[dict]:
    names = dict(Enterprise.objects.filter(pk__in={r.enterprise_id for r in rows}).values_list("pk", "name"))
    types = dict(SupportType.objects.values_list("pk", "name"))
    described = []
    for row in rows:
        pairs = [
            (_("amount (10k yuan)"), _amount(row.before_amount), _amount(row.after_amount)),
            (_("support type"), types.get(row.before_support_type_id, ""), types.get(row.after_support_type_id, "")),
            (_("batch"), row.before_batch or "", row.after_batch or ""),
            (_("document number"), row.before_document_no or "", row.after_document_no or ""),
        ]
        if row.created:
            pairs = [(label, None, after) for label, _before, after in pairs]
            action = AuditAction.DELETE if undo else AuditAction.CREATE
        else:
            action = AuditAction.UPDATE
        if undo:
            pairs = [(label, after, before) for label, before, after in pairs]
        described.append(
            {
                "row_no": row.row_no,
                "object_type": SupportGrant._meta.label_lower,
                "object_id": row.grant_id,
                "object_repr": f"{names.get(row.enterprise_id, row.enterprise_id)} · {_amount(row.after_amount)}",
                "action": AuditAction(action).label,
                "changes": [(label, before, after) for label, before, after in pairs if before != after],
            }
        )
    return described


LEDGER = register(LedgerKind())

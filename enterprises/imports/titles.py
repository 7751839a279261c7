"""The recognition list (公示名单/认定名单) import kind: one published list = one tier, batch and
recognition date (stated for the whole file), one row per enterprise.

The file is the list as published: a merged title row on top, 序号 | 企业名称 | 统一社会信用代码 |
所在地区, sometimes without the code column; other columns are read past with a note. A row
matches an enterprise by its credit code, else by its exact name after normalisation (full-width
to half-width, spaces removed, （）→()); the preview shows how. A title already recorded for the
same enterprise, tier and date is unchanged. The ladder rules (``LadderRule``) apply to every row
as they do to the form. Recognition lists are city-wide: city users import them.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Place
from enterprises.models import Enterprise, LadderRule, Tier, Title, TitleImportChange
from enterprises.models.core import add_years

from .columns import CODE, TEXT, Column, normalise_text
from .engine import ImportKind, register
from .naming import BY_CODE, BY_NAME, EnterpriseIndex, data_rows
from .parsing import text_of
from .validation import CheckResult
from .writer import (
    CHANGED,
    NEW,
    UNCHANGED,
    ChangeSet,
    count_kinds,
    create_temp_table,
    drop_temp_table,
    load_lines,
    lock_table,
    row_action,
)

STAGING = "import_staging_titles"
CHANGE_SET_KIND = "title_import"
REGION = "region"

COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", TEXT, required=True, example="台山示例精密有限公司", aliases=("企业名", "单位名称")),
    Column("credit_code", "统一社会信用代码", CODE, example="91440781MA4UJ0000X", aliases=("信用代码",)),
    Column(
        "region", "所在地区", REGION, example="江门市台山市", aliases=("地区", "所在地", "所属地区", "地市", "县区")
    ),
)

_ENT = Enterprise._meta.db_table
_TITLE = Title._meta.db_table
_CHANGE = TitleImportChange._meta.db_table
DIGEST_COLUMNS = (
    "id",
    "statistic_import_id",
    "title_id",
    "enterprise_id",
    "tier_id",
    "recognised_on",
    "created",
    "row_no",
    "version_after",
    "before_batch",
    "after_batch",
    "after_valid_until",
)
CHANGES = ChangeSet(TitleImportChange, DIGEST_COLUMNS, Title, "title_id")


def normalise_name(value: str) -> str:
    """Full-width to half-width (NFKC also turns （） into ()), no spaces."""
    return normalise_text(value)


class TitlesKind(ImportKind):
    code = "titles"
    label = gettext_lazy("recognition list")
    data_sheet = "名单"
    columns = COLUMNS
    change_set_kind = CHANGE_SET_KIND
    changes = CHANGES
    title_rows = True
    lenient_headers = True
    city_only = True

    # -- the whole file: tier, batch, recognition date ---------------------------------------
    def option_fields(self):
        return {
            "tier": forms.ModelChoiceField(
                queryset=Tier.objects.order_by("rank"), label=_("Tier"), to_field_name="code", empty_label=None
            ),
            "batch": forms.CharField(label=_("Batch"), max_length=100, help_text=_("Such as 2024年第一批.")),
            "recognised_on": forms.DateField(
                label=_("Recognised on"),
                widget=forms.DateInput(attrs={"type": "date"}),
                help_text=_("The list's date."),
            ),
        }

    def options_from(self, cleaned):
        tier = cleaned.get("tier")
        recognised_on = cleaned.get("recognised_on")
        return {
            "tier": getattr(tier, "code", tier),
            "batch": (cleaned.get("batch") or "").strip(),
            "recognised_on": recognised_on.isoformat() if isinstance(recognised_on, dt.date) else recognised_on,
        }

    def validate_options(self, options: dict, today: dt.date) -> list[str]:
        problems = []
        if not Tier.objects.filter(code=options.get("tier") or "").exists():
            problems.append(_("Choose the tier of the list."))
        try:
            date = dt.date.fromisoformat(options.get("recognised_on") or "")
        except ValueError:
            problems.append(_("Give the list's recognition date (YYYY-MM-DD)."))
        else:
            if date > today:
                problems.append(_("The recognition date cannot be in the future."))
        return problems

    # -- row checks ------------------------------------------------------------------------------
    def check_rows(self, workbook, *, user, today, progress, options):
        result = CheckResult()
        tier = Tier.objects.get(code=options["tier"])
        recognised_on = dt.date.fromisoformat(options["recognised_on"])
        index = EnterpriseIndex(workbook)
        regions = _regions()
        ladder = _ladder_holders(tier, recognised_on)
        by_field = {hc.column.field: hc for hc in workbook.columns}
        name_col = by_field["name"]
        region_col = by_field.get("region")
        first_row_of: dict[int, int] = {}
        pending: list[tuple[int, str]] = []
        for row_no, values, errors_before in data_rows(workbook, result, index):
            enterprise_id, method = index.match(result, row_no, values)
            if region_col is not None:
                region = normalise_text(text_of(values[region_col.index]))
                if region and region not in regions:
                    result.add_error(
                        row_no,
                        region_col.title,
                        _("“%(region)s” is outside the city: only the city's enterprises are recorded.")
                        % {"region": text_of(values[region_col.index])},
                    )
            if enterprise_id is not None and ladder is not None and enterprise_id not in ladder[0]:
                result.add_error(row_no, name_col.title, ladder[1])
            if len(result.errors) != errors_before or enterprise_id is None:
                continue
            first = first_row_of.get(enterprise_id)
            if first is not None:
                result.add_error(
                    row_no,
                    name_col.title,
                    _("Row %(first)d already names this enterprise: keep one of the rows.") % {"first": first},
                )
                continue
            first_row_of[enterprise_id] = row_no
            pending.append((row_no, f"{row_no}\t{enterprise_id}\t{method}"))
        result.notes.extend(workbook.ignored_notes)
        error_rows = result.error_rows
        result.lines = [line for row_no, line in pending if row_no not in error_rows]
        result.errors.sort(key=lambda e: e["row"])
        return result

    def _stated(self) -> tuple[Tier, dt.date, str]:
        options = self.options
        return (
            Tier.objects.get(code=options["tier"]),
            dt.date.fromisoformat(options["recognised_on"]),
            options.get("batch") or "",
        )

    # -- the set-based write -----------------------------------------------------------------------
    def lock(self):
        lock_table(_TITLE)

    def create_staging(self):
        create_temp_table(
            STAGING,
            f"row_no integer NOT NULL, enterprise_id bigint NOT NULL, method smallint NOT NULL, title_id bigint NULL, "
            f"kind smallint DEFAULT {NEW}, before_batch varchar(100) NULL",
        )

    def drop_staging(self):
        drop_temp_table(STAGING)

    def load_staging(self, lines):
        load_lines(STAGING, ["row_no", "enterprise_id", "method"], lines)

    def classify(self):
        tier, recognised_on, batch = self._stated()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {STAGING} SET title_id = t.id, kind = {UNCHANGED}, before_batch = t.batch FROM {_TITLE} t "
                f"WHERE t.enterprise_id = {STAGING}.enterprise_id AND t.tier_id = %s AND t.recognised_on = %s",
                [tier.pk, recognised_on],
            )
            if batch:
                cursor.execute(
                    f"UPDATE {STAGING} SET kind = {CHANGED} WHERE kind = {UNCHANGED} AND before_batch <> %s", [batch]
                )
        return count_kinds(STAGING)

    def preview(self, limit):
        """Every row (not only new and changed ones): the enterprise matched and how."""
        tier, recognised_on, batch = self._stated()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT st.row_no, e.name, e.credit_code, st.method, st.kind, st.before_batch FROM {STAGING} st "
                f"JOIN {_ENT} e ON e.id = st.enterprise_id ORDER BY st.row_no LIMIT %s",
                [limit],
            )
            rows = cursor.fetchall()
        methods = {BY_CODE: _("matched by credit code"), BY_NAME: _("matched by name")}
        actions = {NEW: "new", CHANGED: "changed", UNCHANGED: "unchanged"}
        out = []
        for row_no, name, code, method, kind, before_batch in rows:
            if kind == NEW:
                changes = [[str(tier.name), "", f"{recognised_on.isoformat()} {batch}".strip()]]
            elif kind == CHANGED:
                changes = [[_("batch"), before_batch or "", batch]]
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
        tier, recognised_on, batch = self._stated()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        valid_until = add_years(recognised_on, tier.validity_years)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_TITLE} (enterprise_id, tier_id, batch, recognised_on, valid_until, status, ended_on, "
                f"end_reason, document_no, version, created_at, updated_at) SELECT enterprise_id, %s, %s, %s, %s, "
                f"%s, NULL, '', '', 1, %s, %s FROM {STAGING} WHERE kind = {NEW}",
                [tier.pk, batch, recognised_on, valid_until, "valid", now, now],
            )
            cursor.execute(
                f"UPDATE {_TITLE} SET batch = %s, version = {_TITLE}.version + 1, updated_at = %s FROM {STAGING} st "
                f"WHERE st.kind = {CHANGED} AND {_TITLE}.id = st.title_id",
                [batch, now],
            )
            cursor.execute(
                f"INSERT INTO {_CHANGE} (statistic_import_id, title_id, enterprise_id, tier_id, recognised_on, created, "
                f"row_no, version_after, before_batch, after_batch, after_valid_until) SELECT %s, t.id, t.enterprise_id, "
                f"t.tier_id, t.recognised_on, st.kind = {NEW}, st.row_no, t.version, st.before_batch, t.batch, "
                f"t.valid_until FROM {STAGING} st JOIN {_TITLE} t ON t.enterprise_id = st.enterprise_id "
                f"AND t.tier_id = %s AND t.recognised_on = %s WHERE st.kind IN ({NEW}, {CHANGED})",
                [import_id, tier.pk, recognised_on],
            )
            # a title decides its enterprise's current tier: the enterprise gets a new updated_at
            cursor.execute(
                f"UPDATE {_ENT} SET updated_at = %s WHERE id IN (SELECT enterprise_id FROM {STAGING} "
                f"WHERE kind IN ({NEW}, {CHANGED}))",
                [now],
            )

    def undo_conflicts(self, import_id):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.row_no FROM {_CHANGE} c LEFT JOIN {_TITLE} t ON t.id = c.title_id "
                f"WHERE c.statistic_import_id = %s AND (t.id IS NULL OR t.version <> c.version_after) ORDER BY c.row_no",
                [import_id],
            )
            return [r[0] for r in cursor.fetchall()]

    def undo(self, import_id):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_TITLE} SET batch = COALESCE(c.before_batch, ''), version = {_TITLE}.version + 1, "
                f"updated_at = %s FROM {_CHANGE} c WHERE c.title_id = {_TITLE}.id AND c.statistic_import_id = %s "
                f"AND c.created = %s",
                [now, import_id, False],
            )
            cursor.execute(
                f"UPDATE {_ENT} SET updated_at = %s WHERE id IN (SELECT enterprise_id FROM {_CHANGE} "
                f"WHERE statistic_import_id = %s)",
                [now, import_id],
            )
            cursor.execute(
                f"DELETE FROM {_TITLE} WHERE id IN (SELECT title_id FROM {_CHANGE} "
                f"WHERE statistic_import_id = %s AND created = %s)",
                [import_id, True],
            )

    def describe_changes(self, rows, *, undo=False):
        names = dict(Enterprise.objects.filter(pk__in={r.enterprise_id for r in rows}).values_list("pk", "name"))
        tiers = dict(Tier.objects.values_list("pk", "name"))
        described = []
        for row in rows:
            before, after = (None if row.created else row.before_batch), row.after_batch
            if undo:
                before, after = after, before
            described.append(
                {
                    "row_no": row.row_no,
                    "object_type": Title._meta.label_lower,
                    "object_id": row.title_id,
                    "object_repr": f"{names.get(row.enterprise_id, row.enterprise_id)} · {tiers.get(row.tier_id, '')} · "
                    f"{row.recognised_on:%Y-%m-%d}",
                    "action": row_action(row.created, undo),
                    "changes": [(_("batch"), before, after)] if before != after else [],
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
                        "The list as published: one row per enterprise. The tier, batch and recognition date are "
                        "chosen when uploading. A title row above the header and a 序号 column are fine."
                    ),
                ),
                (
                    _("Matching"),
                    _(
                        "By the credit code when the column is there; otherwise by the exact name (full-width and "
                        "half-width characters and spaces do not matter). The preview shows how each row matched."
                    ),
                ),
                (_("Region"), _("江门市, 台山市 or 江门市台山市; a place outside the city is an error.")),
            ],
        )

    def committed_message(self, import_id):
        return _("Recognition list import #%(id)d committed") % {"id": import_id}

    def undone_message(self, import_id):
        return _("Recognition list import #%(id)d undone") % {"id": import_id}


def _regions() -> set[str]:
    """How a row may name the city or one of its counties."""
    out: set[str] = set()
    for name, parent in Place.objects.filter(level="county").values_list("name", "parent__name"):
        out.add(normalise_text(name))
        if parent:
            out.add(normalise_text(parent))
            out.add(normalise_text(parent + name))
            out.add(normalise_text(parent.removesuffix("市")))
    return out


def _ladder_holders(tier: Tier, date: dt.date) -> tuple[set[int], str] | None:
    """(enterprises that satisfy every ladder rule of ``tier`` on ``date``, the message for the
    others), or None when no rule applies. One query per rule, as ``services.ladder_problem``."""
    rules = (
        LadderRule.objects.filter(tier=tier, effective_from__lte=date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=date))
        .select_related("tier", "requires")
    )
    holders: set[int] | None = None
    message = ""
    for rule in rules:
        held = set(
            Title.objects.valid_on(date).filter(tier_id=rule.requires_id).values_list("enterprise_id", flat=True)
        )
        holders = held if holders is None else holders & held
        message = _(
            "A %(tier)s title recognised on %(date)s needs a %(required)s title valid on that date "
            "(%(source)s); this enterprise has none."
        ) % {
            "tier": rule.tier.name,
            "date": date.isoformat(),
            "required": rule.requires.name,
            "source": rule.source_document or _("ladder rule in force from %(d)s") % {"d": rule.effective_from},
        }
    return None if holders is None else (holders, message)


TITLES = register(TitlesKind())

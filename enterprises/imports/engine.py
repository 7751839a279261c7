"""The import engine: one pipeline, pluggable kinds.

reader (calamine, ``reader.open_workbook``) → header matching (``columns``) → row checks (the
kind's ``check_rows``: one staging line per good row, every problem an error naming the Excel row
and the column) → staging table → one set-based write that also writes the kind's change rows
(before/after of every field, sealed into the audit chain by ``accounts.audit.seal``) → preview,
dry run, commit, undo, progress, history and stale-job handling (``services``, ``views``, shared by
every kind).

Adding a kind (see ``roster.py`` for a complete one)::

    class LedgerKind(ImportKind):
        code = "ledger"                       # stored on the import row, in URLs (?kind=ledger)
        label = gettext_lazy("support ledger")
        data_sheet = "拨付名单"                # the sheet read (else the first visible one)
        columns = LEDGER_COLUMNS              # columns.Column tuples: header text, kind, required
        change_set_kind = "ledger_import"     # the audit change-set name of its change rows
        changes = writer.ChangeSet(LedgerImportChange, DIGEST_COLUMNS, Ledger, "ledger_id")  # those rows
        title_rows = True                     # a merged title row above the header is normal

        def check_rows(self, workbook, *, user, today, progress, options): ...  # → CheckResult
        # the set-based write: create_staging, load_staging, classify, write, undo_conflicts, undo,
        # and describe_changes (SQL over a temp staging table: writer.create_temp_table, load_lines,
        # count_kinds, lock_table)

    register(LedgerKind())

``enterprises.apps`` registers every kind's change set with the audit trail
(``audit.register_change_set``: ``changes.digest``, ``changes.touching``, ``changes.rows``,
``describe_changes``).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from .columns import Column, HeaderLookup

if TYPE_CHECKING:
    from .writer import ChangeSet


class ImportKind:
    code: str = ""
    label: Any = ""  # a lazy translation
    data_sheet: str = ""
    instructions_sheet: str = "填表说明"
    columns: tuple[Column, ...] = ()
    change_set_kind: str = ""
    changes: ChangeSet  # the kind's change rows (``writer.ChangeSet``)
    title_rows: bool = False  # rows above the header (a merged title) are skipped, not refused
    city_only: bool = False  # only city users may import this kind
    ignored_headers: frozenset[str] = frozenset({"序号", "备注"})  # read past, not refused
    lenient_headers: bool = False  # other unknown columns are read past with a note (published lists)
    options: dict = {}  # what the uploader stated for the whole file (``bound``)

    def __init__(self) -> None:
        self.lookup = HeaderLookup(self.columns)

    def bound(self, options: dict | None) -> ImportKind:
        """This kind for one import: a copy carrying the import's ``options``."""
        clone = copy.copy(self)
        clone.options = dict(options or {})
        return clone

    def validate_options(self, options: dict, today: dt.date) -> list[str]:
        """Problems (Chinese sentences) with the options stated for the whole file."""
        return []

    def match_header(self, cell):
        return self.lookup.match(cell)

    # -- what the uploader states for the whole file (web form fields, CLI arguments) --------
    def option_fields(self) -> dict:
        """Form fields (name → django.forms.Field) added to the upload form."""
        return {}

    def options_from(self, cleaned: dict) -> dict:
        """The import's ``options`` (JSON) from the cleaned form or the command's arguments."""
        return {}

    # -- row checks --------------------------------------------------------------------------
    def check_rows(
        self, workbook, *, user, today: dt.date, progress: Callable[[int], None] | None, options: dict
    ):  # pragma: no cover - every kind overrides
        raise NotImplementedError

    # -- the set-based write (in the caller's transaction) --------------------------------------
    def lock(self) -> None:
        """Keep other writers out between classify and write."""

    def create_staging(self) -> None:
        raise NotImplementedError

    def drop_staging(self) -> None:
        raise NotImplementedError

    def load_staging(self, lines: list[str]) -> None:
        raise NotImplementedError

    def staged_outside_county(self, county_id: int) -> int:
        return 0

    def classify(self) -> dict[str, int]:
        """{"new", "changed", "unchanged"} counts; marks each staged row."""
        raise NotImplementedError

    def write(self, import_id: int) -> None:
        raise NotImplementedError

    def preview(self, limit: int) -> list[dict]:
        """Up to ``limit`` staged new/changed rows as {row, object, method, changes: [(label, before, after)]}."""
        return []

    def undo_conflicts(self, import_id: int) -> list[int]:
        raise NotImplementedError

    def undo(self, import_id: int) -> None:
        raise NotImplementedError

    def describe_changes(self, rows, *, undo: bool = False) -> list[dict]:
        """A page of change rows for the audit pages (``audit.ChangeSetKind.describe``)."""
        raise NotImplementedError

    def conflict_message(self, rows: list[int]) -> str:
        return _(
            "%(n)d records written by this import were changed or deleted afterwards (rows %(rows)s); "
            "undo the later changes first. Nothing was undone."
        ) % {"n": len(rows), "rows": shown_rows(rows)}

    def build_template(self, *, user=None) -> bytes:
        raise NotImplementedError

    def committed_message(self, import_id: int) -> str:
        raise NotImplementedError

    def undone_message(self, import_id: int) -> str:
        raise NotImplementedError


def shown_rows(rows: list[int], limit: int = 20) -> str:
    return "、".join(str(r) for r in rows[:limit]) + ("…" if len(rows) > limit else "")


KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    """Make ``kind`` available to the upload, the CLI and the jobs, and register its change rows
    with the audit trail (an import's change set is sealed into the chain and shown on audit pages)."""
    from accounts import audit
    from enterprises.models import StatisticImport

    KINDS[kind.code] = kind
    StatisticImport.KIND_LABELS[kind.code] = kind.label
    audit.register_change_set(
        audit.ChangeSetKind(
            name=kind.change_set_kind,
            seal_object_type=StatisticImport._meta.label_lower,
            digest=kind.changes.digest,
            touching=kind.changes.touching,
            rows=kind.changes.rows,
            describe=kind.describe_changes,
        )
    )
    return kind


def get_kind(code: str) -> ImportKind:
    """A registered kind (the built-in ones register when ``enterprises.apps`` is ready)."""
    return KINDS[code]


def all_kinds() -> list[ImportKind]:
    return list(KINDS.values())

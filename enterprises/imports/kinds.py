"""The built-in import kinds, registered with the engine (``engine.register``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import writer
from .columns import COLUMNS, DATA_SHEET
from .engine import ImportKind, register, shown_rows


class StatisticsKind(ImportKind):
    """Quarterly statistics: one row per enterprise and period (``validation``, ``writer``)."""

    code = "statistics"
    label = gettext_lazy("statistics")
    data_sheet = DATA_SHEET
    columns = COLUMNS
    change_set_kind = writer.CHANGE_SET_KIND
    changes = writer.CHANGES
    # The template's header is the first row; the statistics list's export (reports.exports) puts
    # a caption and the filters above it and a 序号 column first, and imports back unchanged.
    title_rows = True
    ignored_headers = frozenset({"序号", "县(市、区)"})  # compared after normalise_text (half-width)

    def check_rows(self, workbook, *, user, today, progress, options):
        from .validation import check_rows

        return check_rows(workbook, user=user, today=today, progress=progress)

    def lock(self):
        writer.lock_statistics()

    def create_staging(self):
        writer.create_staging()

    def drop_staging(self):
        writer.drop_staging()

    def load_staging(self, lines):
        writer.load_staging(lines)

    def staged_outside_county(self, county_id):
        return writer.staged_outside_county(county_id)

    def classify(self):
        return writer.classify()

    def preview(self, limit):
        return writer.preview(limit)

    def write(self, import_id):
        writer.upsert(import_id)

    def undo_conflicts(self, import_id):
        return writer.undo_conflicts(import_id)

    def undo(self, import_id):
        writer.undo(import_id)

    def describe_changes(self, rows, *, undo=False):
        return writer.describe_changes(rows, undo=undo)

    def conflict_message(self, rows):
        return _(
            "%(n)d statistics written by this import were changed or deleted afterwards (rows %(rows)s); "
            "undo the later changes first. Nothing was undone."
        ) % {"n": len(rows), "rows": shown_rows(rows)}

    def build_template(self, *, user=None):
        from .template import build_template

        return build_template(prefill_for=user if self.options.get("prefill") else None)

    def committed_message(self, import_id):
        return _("Statistics import #%(id)d committed") % {"id": import_id}

    def undone_message(self, import_id):
        return _("Statistics import #%(id)d undone") % {"id": import_id}


STATISTICS = register(StatisticsKind())


from . import listings, rd_institutions, roster, titles  # noqa: E402,F401 - the built-in kinds register themselves

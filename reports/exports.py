"""List exports: the rows a list page shows, with the same filters, as one .xlsx sheet.

Each export streams its (already scoped and filtered) queryset through ``iterator()`` into a
write-only sheet — related rows come from ``select_related``/``prefetch_related`` per chunk, never
one query per row — and is recorded as a security event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction
from core.masking import mask_name, mask_phone
from enterprises.choices import EnterpriseStatus, TitleStatus
from enterprises.imports.columns import COLUMNS as STATISTIC_COLUMNS
from enterprises.imports.columns import template_header
from enterprises.models import Tier

from . import xlsx
from .xlsx import Column, SheetWriter

CHUNK = 2000

#: ``progress(rows_written)``: called every ``CHUNK`` rows by a job that writes an export.
RowProgress = Callable[[int], None]


def _numbered(queryset, progress: RowProgress | None) -> Iterator[tuple[int, Any]]:
    """The rows of ``queryset`` numbered from 1, read ``CHUNK`` at a time (bounded memory), with
    the count reported to ``progress`` after every chunk."""
    for n, row in enumerate(queryset.iterator(chunk_size=CHUNK), start=1):
        yield n, row  # the caller writes it before asking for the next
        if progress is not None and n % CHUNK == 0:
            progress(n)


@contextmanager
def _discarded_on_error(wb):
    """A workbook whose writing fails leaves no temporary files behind."""
    try:
        yield
    except BaseException:
        xlsx.discard(wb)
        raise


def _start(title: str, columns, filters: str, count_hint: str = ""):
    wb = xlsx.new_workbook()
    writer = SheetWriter(wb, title, columns, header_row=3)
    now = timezone.localtime()
    writer.caption(_("%(title)s · exported %(time)s") % {"title": title, "time": f"{now:%Y-%m-%d %H:%M}"})
    writer.note(_("Filters: %(filters)s") % {"filters": filters or _("none")})
    writer.header()
    return wb, writer


def _log(user, what: str, n: int, filters: str) -> None:
    audit.security_event(
        user,
        AuditAction.EXPORT,
        _("%(what)s exported to Excel: %(n)s rows; filters: %(filters)s")
        % {"what": what, "n": n, "filters": filters or _("none")},
    )


def export_enterprises(*, user, queryset, filters: str, output, progress: RowProgress | None = None) -> int:
    """``queryset``: the enterprise list page's queryset (``enterprise_list_queryset(...).qs``)."""
    with translation.override(settings.LANGUAGE_CODE):
        tiers = {t.pk: t for t in Tier.objects.all()}
        statuses = dict(EnterpriseStatus.choices)
        title = _("Enterprises")
        wb, writer = _start(
            title,
            [
                xlsx.integer(_("No."), 7),
                Column(_("Name"), 34),
                Column(_("Credit code"), 21),
                Column(_("County"), 9),
                Column(_("Current tier"), 24),
                Column(_("Industry"), 24),
                Column(_("Focus tags"), 24),
                Column(_("Contact person"), 10),
                Column(_("Contact phone"), 14),
                Column(_("Status"), 10),
            ],
            filters,
        )
        with _discarded_on_error(wb):
            n = 0
            for n, e in _numbered(queryset, progress):
                tier = tiers.get(e.current_tier_id)
                writer.row(
                    [
                        n,
                        e.name,
                        e.credit_code,
                        e.county.name,
                        tier.name if tier else _("No valid title"),
                        e.industry.name if e.industry_id else "",
                        "、".join(t.name for t in e.tags.all()),
                        mask_name(e.contact_person),
                        mask_phone(e.contact_phone),
                        str(statuses.get(e.status, e.status)),
                    ]
                )
            wb.save(output)
        _log(user, title, n, filters)
    return n


def export_titles(*, user, queryset, filters: str, output, progress: RowProgress | None = None) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        statuses = dict(TitleStatus.choices)
        title = _("Titles")
        wb, writer = _start(
            title,
            [
                xlsx.integer(_("No."), 7),
                Column(_("Enterprise name"), 34),
                Column(_("Credit code"), 21),
                Column(_("County"), 9),
                Column(_("Tier"), 26),
                Column(_("Batch"), 18),
                xlsx.date(_("Recognised on")),
                xlsx.date(_("Valid until")),
                Column(_("Status"), 10),
                xlsx.date(_("Ended on")),
                Column(_("Document number"), 20),
            ],
            filters,
        )
        with _discarded_on_error(wb):
            n = 0
            for n, t in _numbered(queryset, progress):
                status = t.effective_status
                writer.row(
                    [
                        n,
                        t.enterprise.name,
                        t.enterprise.credit_code,
                        t.enterprise.county.name,
                        t.tier.name,
                        t.batch,
                        t.recognised_on,
                        t.valid_until,
                        str(statuses.get(status, status)),
                        t.ended_on,
                        t.document_no,
                    ],
                    status=status,
                    status_column=8,
                )
            wb.save(output)
        _log(user, title, n, filters)
    return n


STATISTIC_AMOUNTS = (
    "output_value",
    "revenue",
    "main_business_revenue",
    "profit",
    "total_assets",
    "total_liabilities",
    "rd_expense",
    "export_revenue",
)
STATISTIC_COUNTS = ("employees", "rd_staff", "invention_patents", "class1_ip", "trademarks", "digital_level")
STATISTIC_FLAGS = ("university_cooperation", "fills_tech_gap")


def export_statistics(*, user, queryset, filters: str, output, progress: RowProgress | None = None) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Statistics")
        # The statistics import's own headers (its template's), so that the export imports back
        # unchanged; the 序号 and county columns are read past by the import.
        header = {c.field: template_header(c) for c in STATISTIC_COLUMNS}
        columns = [
            xlsx.integer(_("No."), 7),
            Column(header["name"], 34),
            Column(header["credit_code"], 21),
            Column(_("County"), 9),
            Column(header["period"], 9),
        ]
        columns += [xlsx.amount(header[f], 14) for f in STATISTIC_AMOUNTS]
        columns += [xlsx.integer(header[f], 10) for f in STATISTIC_COUNTS]
        columns += [Column(header[f], 12) for f in STATISTIC_FLAGS]
        wb, writer = _start(title, columns, filters)
        with _discarded_on_error(wb):
            n = 0
            # plain tuples, no model instances: the list can run to 150,000 rows
            values = ("enterprise__name", "enterprise__credit_code", "enterprise__county__name", "year", "quarter")
            rows = queryset.values_list(*values, *STATISTIC_AMOUNTS, *STATISTIC_COUNTS, *STATISTIC_FLAGS)
            for n, (name, credit_code, county, year, quarter, *figures) in _numbered(rows, progress):
                writer.row([n, name, credit_code, county, f"{year}Q{quarter}", *figures])
            wb.save(output)
        _log(user, title, n, filters)
    return n

"""List exports as jobs: the enterprise, title and statistics lists written to Excel in the
background, with progress and a download link, like the quarterly report.

Every list export goes through a job, whatever its size: one path, bounded memory (write-only
sheet, rows read ``CHUNK`` at a time), and the request only records what was asked for. The
export applies the list's filterset, scope and order as the requester's, when the job runs.

- ``list_export_create``: check the filters (a clear message naming the filter, nothing recorded),
  record the job with the list's query and the requester's county, audit the request, queue
  ``reports.build_list_export`` (on the ``reports`` queue) after the commit.
- ``list_export_run``: the job body (``_ListExportRunner``): refuse when the requester may no
  longer read business data or her county changed, write the file, keep it
  ``LIST_EXPORT_RETENTION_HOURS``; a failure leaves no file and a Chinese message on the job.
- The file is downloaded by the requester only (``reports.views.ListExportDownloadView``), each
  download audited; ``services.report_files_cleanup`` removes expired files.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction
from core import jobs
from core.scoping import VIEW, require, scope_for
from enterprises.filtersets import enterprise_list_queryset

from . import exports, xlsx
from .choices import ExportKind
from .models import ListExportJob
from .selectors import STATISTIC_ORDER, TITLE_ORDER, statistic_list_filterset, title_list_filterset

EXPORT_TASK = "reports.build_list_export"  # ``reports/tasks.py``, routed to the "reports" queue

#: Query parameters that are not filters (the page number of the list).
NOT_FILTERS = frozenset({"page"})


def _enterprise_order(qs, params):
    return qs if params.get("ordering") else qs.order_by("county__sort_order", "name")  # the list's default


@dataclass(frozen=True)
class ExportSpec:
    """What a list export reads and writes: the list page's filterset and order, the writer."""

    filterset: Callable[..., Any]  # (user, params, request) -> FilterSet
    order: Callable[[Any, QueryDict], Any]
    write: Callable[..., int]  # reports.exports.export_*
    list_url_name: str
    file_stem: Callable[[], str]


SPECS: dict[str, ExportSpec] = {
    ExportKind.ENTERPRISES: ExportSpec(
        filterset=enterprise_list_queryset,
        order=_enterprise_order,
        write=exports.export_enterprises,
        list_url_name="enterprises:list",
        file_stem=lambda: _("enterprises"),
    ),
    ExportKind.TITLES: ExportSpec(
        filterset=title_list_filterset,
        order=lambda qs, params: qs.order_by(*TITLE_ORDER),
        write=exports.export_titles,
        list_url_name="reports:titles",
        file_stem=lambda: _("titles"),
    ),
    ExportKind.STATISTICS: ExportSpec(
        filterset=statistic_list_filterset,
        order=lambda qs, params: qs.order_by(*STATISTIC_ORDER),
        write=exports.export_statistics,
        list_url_name="reports:statistics",
        file_stem=lambda: _("statistics"),
    ),
}


def filter_errors(filterset) -> str:
    """The filterset's errors as one Chinese sentence naming each filter."""
    fields = filterset.form.fields
    return "；".join(
        f"{fields[name].label if name in fields else name}：{' '.join(str(e) for e in errors)}"
        for name, errors in filterset.errors.items()
    )


def _query_pairs(params: QueryDict) -> list[list[str]]:
    return [[name, value] for name, values in params.lists() if name not in NOT_FILTERS for value in values]


def _as_query(pairs: list[list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in pairs:
        query.appendlist(name, value)
    return query


def list_export_create(*, actor, kind: str, params: QueryDict) -> ListExportJob:
    """Record an export of the list ``kind`` with the list's query ``params`` and queue its job.

    403 for a role without business access; a ``ValidationError`` (nothing recorded) when a filter
    is not valid, e.g. another county than the official's own."""
    spec = SPECS[ExportKind(kind)]
    scope = require(actor, VIEW)
    filterset = spec.filterset(actor, params, SimpleNamespace(user=actor))
    if not filterset.is_valid():
        raise ValidationError(
            _("The export was not made, the filters are not valid: %(errors)s") % {"errors": filter_errors(filterset)}
        )
    with transaction.atomic():
        job = ListExportJob.objects.create(
            requested_by=actor,
            kind=kind,
            params=_query_pairs(params),
            filters=xlsx.filters_description(filterset.form),
            county_id=scope.county_id,
        )
        audit.security_event(
            actor,
            AuditAction.EXPORT,
            _("%(list)s export requested (job %(id)s); filters: %(filters)s")
            % {"list": job.get_kind_display(), "id": job.pk, "filters": job.filters or _("none")},
            instance=job,
        )
        jobs.enqueue(EXPORT_TASK, job.pk)
    return job


def export_file_name(job: ListExportJob) -> str:
    local = timezone.localtime(job.created_at)
    return f"{SPECS[job.kind].file_stem()}-{local:%Y%m%d-%H%M}.xlsx"


class _ListExportRunner(jobs.JobRunner[ListExportJob]):
    """Write the list as the requester (her scope, the filters she had), store the file."""

    model = ListExportJob
    name = "list export"
    reads_replica = True  # reads business data only: on the replica when one is configured
    select_related = ("requested_by",)
    refusals = (PermissionDenied, ValidationError)

    def work(self) -> str:
        job = self.job
        requester = job.requested_by
        scope = scope_for(requester)
        if not scope.read:
            raise PermissionDenied(_("The requester may no longer read business data."))
        if scope.county_id != job.county_id:
            raise PermissionDenied(
                _("The requester's county has changed since the export was requested; request it again.")
            )
        spec = SPECS[job.kind]
        params = _as_query(job.params)
        filterset = spec.filterset(requester, params, SimpleNamespace(user=requester))
        if not filterset.is_valid():
            raise ValidationError(
                _("The filters are no longer valid: %(errors)s") % {"errors": filter_errors(filterset)}
            )
        queryset = spec.order(filterset.qs, params)
        total = queryset.count()
        self.progress(2, _("%(n)s rows to write") % {"n": total})

        def written(n: int) -> None:
            self.progress(2 + 93 * n // max(total, 1), _("%(n)s of %(total)s rows written") % {"n": n, "total": total})

        with tempfile.TemporaryFile() as tmp:
            rows = spec.write(user=requester, queryset=queryset, filters=job.filters, output=tmp, progress=written)
            tmp.seek(0)
            job.file.save(f"jiangmen-{job.kind}-{job.pk}.xlsx", File(tmp), save=False)
        job.row_count = rows
        job.expires_at = timezone.now() + dt.timedelta(hours=settings.LIST_EXPORT_RETENTION_HOURS)
        job.save(update_fields=["file", "row_count", "expires_at"])
        return _("Export ready: %(n)s rows.") % {"n": rows}

    def on_failure(self, error: Exception) -> None:
        if self.job.file:
            self.job.file.delete(save=False)

    def refused_message(self, error: Exception) -> str:
        return _("The export was refused: %(reason)s") % {"reason": super().refused_message(error)}

    def failure_message(self, error: Exception) -> str:
        return _("The export could not be made: %(error)s") % {"error": error}


def list_export_run(*, job_id: int) -> ListExportJob | None:
    """The job body (see ``_ListExportRunner``); ``None`` when the row is gone."""
    return _ListExportRunner.run_id(job_id)


def list_export_files_cleanup(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past ``expires_at`` (the rows stay, as history). Returns the count."""
    now = now or timezone.now()
    count = 0
    for job in ListExportJob.objects.filter(expires_at__lt=now).exclude(file="").iterator():
        job.file.delete(save=False)
        ListExportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count

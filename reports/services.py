"""Quarterly report services: request a report, build it (job body), clean up old files."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction
from accounts.models import Place
from core import jobs
from core.scoping import VIEW, require, scope_for

from . import builders, providers, selectors, xlsx
from .models import ReportJob
from .selectors import ReportScope

logger = logging.getLogger(__name__)

BUILD_TASK = "reports.build_report"  # ``reports/tasks.py``, queued through ``core.jobs.enqueue``

ProgressCallback = Callable[[int, str], None]


def _no_progress(percent: int, message: str = "") -> None:
    pass


def report_write(*, scope: ReportScope, output, progress: ProgressCallback | None = None) -> dict:
    """Write the quarterly report workbook for ``scope`` to ``output`` (a path or a binary file).

    Returns a few figures about what was written (sheet names, roster rows)."""
    progress = progress or _no_progress
    with translation.override(settings.LANGUAGE_CODE):
        wb = xlsx.new_workbook()
        try:
            return _write_sheets(wb, scope, output, progress)
        except BaseException:
            xlsx.discard(wb)
            raise


def _write_sheets(wb, scope: ReportScope, output, progress: ProgressCallback) -> dict:
    # Write-only sheets are written in order; the cover needs the goal figures, so they come first.
    goal_rows = providers.goal_rows(scope)
    county_rows = providers.county_rows(scope)
    builders.build_cover(wb, scope, goal_rows, county_rows)
    progress(5, _("Cover written"))
    builders.build_goals(wb, scope, goal_rows)
    progress(15, _("Goals written"))
    builders.build_counties(wb, scope, county_rows)
    progress(25, _("Counties written"))
    builders.build_ladder(wb, scope, selectors.ladder(scope))
    progress(30, _("Tier ladder written"))
    builders.build_titles(wb, scope, selectors.titles_to_watch(scope))
    progress(35, _("Titles written"))
    builders.build_tasks(wb, scope, providers.task_rows(scope))
    builders.build_imports(wb, scope, providers.import_rows(scope))
    builders.build_support(wb, scope, providers.support_rows(scope))
    builders.build_coverage(wb, scope, providers.coverage_rows(scope))
    builders.build_ledger(wb, scope, providers.ledger_rows(scope))
    builders.build_listings(wb, scope, providers.listing_data(scope, goal_rows))
    progress(45, _("Summary sheets written"))
    # the long roster last: it prints after every summary
    roster_rows = builders.build_roster(wb, scope, selectors.roster(scope))
    progress(90, _("Enterprise roster written"))
    progress(95, _("Saving the workbook"))
    sheet_names = [ws.title for ws in wb.worksheets]
    wb.save(output)
    return {"sheets": sheet_names, "roster_rows": roster_rows}


def report_scope_county(*, actor, county: Place | None) -> Place | None:
    """The county a report of ``actor`` covers: hers for a county official (asking for another one
    answers 404), the one asked for (or the whole city) for city-level roles."""
    scope = require(actor, VIEW, county_id=county.pk if county else None)
    if scope.county_id is not None:
        return county or Place.objects.get(pk=scope.county_id)
    return county


def report_job_create(*, actor, year: int, quarter: int, county: Place | None = None) -> ReportJob:
    """Record a report request and enqueue its build after the transaction commits."""
    county = report_scope_county(actor=actor, county=county)
    if not (1 <= quarter <= 4):
        raise ValidationError({"period": _("The quarter must be 1 to 4.")})
    if selectors.period_start(year, quarter) > timezone.localdate():
        raise ValidationError(
            {"period": _("The period %(period)s has not started yet.") % {"period": f"{year}Q{quarter}"}}
        )
    with transaction.atomic():
        job = ReportJob.objects.create(requested_by=actor, year=year, quarter=quarter, county=county)
        audit.security_event(
            actor,
            AuditAction.EXPORT,
            _("Quarterly report %(period)s requested for %(scope)s (job %(id)s)")
            % {"period": job.period_code, "scope": county or _("the whole city"), "id": job.pk},
            instance=job,
        )
        jobs.enqueue(BUILD_TASK, job.pk)
    return job


def report_file_name(job: ReportJob) -> str:
    place = job.county.name if job.county else _("Jiangmen")
    return _("SRDI quarterly report %(period)s %(place)s") % {"period": job.period_code, "place": place} + ".xlsx"


class _ReportRunner(jobs.JobRunner[ReportJob]):
    """Build the workbook as the requester (her scope), store it, record the outcome; a failure
    leaves no file behind."""

    model = ReportJob
    name = "report job"
    reads_replica = True  # reads business data only: on the replica when one is configured

    def work(self) -> str:
        job = self.job
        requester = job.requested_by
        if not scope_for(requester).read:
            raise PermissionDenied(_("The requester may no longer read business data."))
        scope = ReportScope(
            user=requester,
            year=job.year,
            quarter=job.quarter,
            county=job.county,
            generated_by=requester.full_name or requester.username,
            generated_at=job.created_at,
        )
        with tempfile.TemporaryFile() as tmp:
            result = report_write(scope=scope, output=tmp, progress=self.progress)
            tmp.seek(0)
            name = f"jiangmen-report-{job.period_code}-{job.county.code if job.county else 'city'}-{job.pk}.xlsx"
            job.file.save(name, File(tmp), save=False)
        job.expires_at = timezone.now() + dt.timedelta(days=settings.REPORT_FILE_RETENTION_DAYS)
        job.save(update_fields=["file", "expires_at"])
        return _("Report ready: %(n)s enterprises in the roster.") % {"n": result["roster_rows"]}

    def on_failure(self, error: Exception) -> None:
        if self.job.file:
            self.job.file.delete(save=False)

    def failure_message(self, error: Exception) -> str:
        return _("The report could not be built: %(error)s") % {"error": error}


def report_job_run(*, job_id: int) -> ReportJob:
    """The job body (see ``_ReportRunner``). The job must exist."""
    return _ReportRunner(ReportJob.objects.select_related("requested_by", "county").get(pk=job_id)).run()


def report_files_cleanup(*, now: dt.datetime | None = None) -> int:
    """Delete the files of reports past ``expires_at`` (the rows stay, as history). Returns the count."""
    now = now or timezone.now()
    count = 0
    for job in ReportJob.objects.filter(expires_at__lt=now).exclude(file="").iterator():
        job.file.delete(save=False)
        ReportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    if count:
        logger.info("removed %s expired report files", count)
    return count

"""A quarterly report job: who asked for which period and scope, and the workbook it produced."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from core.models import JobModel
from core.scoping import ScopedQuerySet

from .choices import ExportKind


def report_upload_to(instance: ReportJob, filename: str) -> str:
    return f"reports/{instance.created_at:%Y/%m}/{filename}"


class ReportJob(JobModel):
    """One quarterly report workbook, built in the background (``reports.tasks.build_report``).

    ``county`` empty means the whole city; a county official's jobs always carry her county, so
    ``for_user`` keeps other counties' reports (and their files) out of her reach. The file is
    removed by the beat job ``reports.tasks.report_files_cleanup`` after ``expires_at``.
    """

    scope_county_field = "county"

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    county = models.ForeignKey(
        Place,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_jobs",
        help_text=_("Empty: the whole city."),
    )
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True, max_length=300)
    expires_at = models.DateTimeField(_("file expires at"), null=True, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="report_job_quarter_range"),
        ]

    def __str__(self):
        place = self.county.name if self.county else _("Jiangmen (whole city)")
        return f"{self.period_code} · {place}"

    @property
    def period_code(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def period_label(self) -> str:
        return _("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.quarter}

    @property
    def period_end(self) -> dt.date:
        from enterprises.models import period_end

        return period_end(self.year, self.quarter)

    def get_absolute_url(self):
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_downloadable(self) -> bool:
        return self.status == "succeeded" and bool(self.file)


def export_upload_to(instance: ListExportJob, filename: str) -> str:
    return f"exports/{instance.created_at:%Y/%m}/{filename}"


class ListExportJob(JobModel):
    """One list export (enterprises, titles, statistics), written in the background
    (``reports.tasks.build_list_export``) with the filters the list had when it was asked for.

    ``params`` keeps the list's query as ``[name, value]`` pairs; ``county`` is the requester's
    county scope when she asked (empty: city-wide), so ``for_user`` keeps a county's exports from
    other counties. Only the requester may download the file (``reports.views``); the beat job
    ``reports.tasks.report_files_cleanup`` removes it after ``expires_at``.
    """

    scope_county_field = "county"

    kind = models.CharField(_("list"), max_length=16, choices=ExportKind.choices)
    params = models.JSONField(_("list filters (query)"), default=list, blank=True)
    filters = models.TextField(_("filters"), blank=True)
    county = models.ForeignKey(
        Place,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="list_export_jobs",
        help_text=_("Empty: the whole city."),
    )
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=export_upload_to, blank=True, max_length=300)
    expires_at = models.DateTimeField(_("file expires at"), null=True, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("list export")
        verbose_name_plural = _("list exports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self):
        return reverse("reports:export_detail", args=[self.pk])

    @property
    def is_downloadable(self) -> bool:
        return self.status == "succeeded" and bool(self.file)

    @property
    def query_string(self) -> str:
        """The list's query (to go back to the list with the same filters)."""
        from urllib.parse import urlencode

        return urlencode([(name, value) for name, value in self.params])

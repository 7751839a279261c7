"""Statistics imports: one row per uploaded workbook (a job), and the values each import changed.

An import goes through two jobs: *check* (read, validate and compare the file with the database,
write nothing) and *commit* (the same checks again, then one transaction that upserts the rows,
records the previous values in ``StatisticImportChange`` and the audit trail). ``undo`` puts every
recorded value back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from core.models import JobModel, JobStatus
from core.scoping import ScopedQuerySet

from .core import AMOUNT


class ImportState(models.TextChoices):
    RECEIVED = "received", _("Received")
    CHECKED = "checked", _("Checked, awaiting confirmation")
    REJECTED = "rejected", _("Rejected (file cannot be read)")
    COMMITTED = "committed", _("Committed")
    UNDONE = "undone", _("Undone")
    DISCARDED = "discarded", _("Discarded")
    FAILED = "failed", _("Failed")


class StatisticImportQuerySet(ScopedQuerySet):
    def with_related(self):
        return self.select_related("requested_by", "county", "undone_by", "duplicate_of")


class StatisticImport(JobModel):
    """An uploaded statistics workbook and what became of it.

    ``county`` is the uploader's county (empty for a city-wide upload): a county official sees her
    county's imports, city users see all of them.
    """

    scope_county_field = "county"

    county = models.ForeignKey(
        Place,
        verbose_name=_("county scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statistic_imports",
        help_text=_("Empty: the whole city."),
    )
    file = models.FileField(_("file"), upload_to="imports/statistics/%Y/%m/", max_length=300)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("same file as"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ImportState.choices, default=ImportState.RECEIVED, db_index=True
    )
    kind = models.CharField(
        _("import kind"),
        max_length=32,
        default="statistics",
        db_index=True,
        help_text=_("What the file holds: one of the import engine's kinds (enterprises.imports.kinds)."),
    )
    options = models.JSONField(
        _("options"), default=dict, blank=True, help_text=_("What the uploader stated for the whole file.")
    )
    preview = models.JSONField(
        _("preview"),
        default=list,
        blank=True,
        help_text=_("The first new or changed rows with their values before and after, from the check."),
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    skip_error_rows = models.BooleanField(_("rows in error skipped"), default=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_row_count = models.PositiveIntegerField(_("rows in error"), default=0)
    periods = models.JSONField(_("periods"), default=list, blank=True)
    errors = models.JSONField(
        _("errors"),
        default=list,
        blank=True,
        help_text=_("One entry per problem: row number, column name and message."),
    )
    timings = models.JSONField(_("timings (seconds)"), default=dict, blank=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = StatisticImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("statistics import")
        verbose_name_plural = _("statistics imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["county", "created_at"])]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    def get_absolute_url(self):
        return reverse("enterprises:import_detail", args=[self.pk])

    # kind code → label, filled by the import engine's ``register`` (the engine builds on these models)
    KIND_LABELS: dict = {}

    @property
    def kind_label(self) -> str:
        return str(self.KIND_LABELS.get(self.kind, self.kind))

    @property
    def period_labels(self) -> str:
        return "、".join(self.periods or [])

    @property
    def can_confirm(self) -> bool:
        return self.state == ImportState.CHECKED and self.status == JobStatus.SUCCEEDED and not self.dry_run

    @property
    def writable_count(self) -> int:
        return self.new_count + self.changed_count

    def stale_failure(self) -> str:
        if self.state == ImportState.COMMITTED:  # an undo job died: the import stands
            self.undone_by = None
            self.save(update_fields=["undone_by"])
            return gettext(
                "The undo job stopped without finishing (its worker was stopped or timed out); nothing "
                "was changed. Try again."
            )
        self.state = ImportState.FAILED
        self.save(update_fields=["state"])
        return gettext(
            "The import job stopped without finishing (its worker was stopped or timed out); nothing "
            "was written. Upload the file again."
        )


class StatisticImportChange(models.Model):
    """What one committed import did to one statistic: the audit trail of a bulk write, and its undo.

    ``created``: the import created the statistic (undo deletes it). Otherwise ``before_*`` hold
    every figure as it was. ``after_*`` hold every figure as the import left it; ``version_after``
    is that version of the statistic, so that an undo can see a later edit.

    The table is append-only in the database (``accounts.append_only``). The audit entries of the
    import and of its undo (``accounts.audit.seal``) carry the SHA-256 of the import's rows, which
    chains them into the audit trail: who, when and from where are there; what, before and after
    here.
    """

    # No database constraint: the rows are written 100,000 at a time by set-based SQL with the import's
    # id as a parameter, and a per-row foreign-key trigger doubled that write (0.5 s per 100k rows).
    # Like AuditLog.actor; the import itself is never deleted (PROTECT).
    statistic_import = models.ForeignKey(
        StatisticImport, verbose_name=_("import"), on_delete=models.PROTECT, related_name="changes", db_constraint=False
    )
    statistic_id = models.BigIntegerField(_("statistic id"), db_index=True)
    enterprise_id = models.BigIntegerField(_("enterprise id"))
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    created = models.BooleanField(_("created by the import"), default=False)
    row_no = models.PositiveIntegerField(_("row number"), default=0)
    version_after = models.PositiveIntegerField(_("version after the import"), default=1)
    before_output_value = models.DecimalField(_("output value before"), **AMOUNT)
    before_revenue = models.DecimalField(_("revenue before"), **AMOUNT)
    before_main_business_revenue = models.DecimalField(_("main business revenue before"), **AMOUNT)
    before_profit = models.DecimalField(_("profit before"), **AMOUNT)
    before_total_assets = models.DecimalField(_("total assets before"), **AMOUNT)
    before_total_liabilities = models.DecimalField(_("total liabilities before"), **AMOUNT)
    before_rd_expense = models.DecimalField(_("R&D expense before"), **AMOUNT)
    before_export_revenue = models.DecimalField(_("export revenue before"), **AMOUNT)
    before_employees = models.PositiveIntegerField(_("employees before"), null=True, blank=True)
    before_rd_staff = models.PositiveIntegerField(_("R&D staff before"), null=True, blank=True)
    before_invention_patents = models.PositiveIntegerField(_("invention patents before"), null=True, blank=True)
    before_class1_ip = models.PositiveIntegerField(_("class-I IP before"), null=True, blank=True)
    before_trademarks = models.PositiveIntegerField(_("trademarks before"), null=True, blank=True)
    before_digital_level = models.PositiveSmallIntegerField(_("digital level before"), null=True, blank=True)
    before_university_cooperation = models.BooleanField(_("university cooperation before"), null=True, blank=True)
    before_fills_tech_gap = models.BooleanField(_("fills a technology gap before"), null=True, blank=True)
    after_output_value = models.DecimalField(_("output value after"), **AMOUNT)
    after_revenue = models.DecimalField(_("revenue after"), **AMOUNT)
    after_main_business_revenue = models.DecimalField(_("main business revenue after"), **AMOUNT)
    after_profit = models.DecimalField(_("profit after"), **AMOUNT)
    after_total_assets = models.DecimalField(_("total assets after"), **AMOUNT)
    after_total_liabilities = models.DecimalField(_("total liabilities after"), **AMOUNT)
    after_rd_expense = models.DecimalField(_("R&D expense after"), **AMOUNT)
    after_export_revenue = models.DecimalField(_("export revenue after"), **AMOUNT)
    after_employees = models.PositiveIntegerField(_("employees after"), null=True, blank=True)
    after_rd_staff = models.PositiveIntegerField(_("R&D staff after"), null=True, blank=True)
    after_invention_patents = models.PositiveIntegerField(_("invention patents after"), null=True, blank=True)
    after_class1_ip = models.PositiveIntegerField(_("class-I IP after"), null=True, blank=True)
    after_trademarks = models.PositiveIntegerField(_("trademarks after"), null=True, blank=True)
    after_digital_level = models.PositiveSmallIntegerField(_("digital level after"), null=True, blank=True)
    after_university_cooperation = models.BooleanField(_("university cooperation after"), null=True, blank=True)
    after_fills_tech_gap = models.BooleanField(_("fills a technology gap after"), null=True, blank=True)

    class Meta:
        verbose_name = _("statistics import change")
        verbose_name_plural = _("statistics import changes")
        ordering = ["statistic_import", "row_no"]

    def __str__(self):
        return f"{self.statistic_import_id}: {self.statistic_id} {self.year}Q{self.quarter}"


class EnterpriseImportChange(models.Model):
    """What one committed roster import did to one enterprise (the ``roster`` import kind): every
    field it reads before and after, ``created`` when the import created the enterprise (its undo
    deletes it), ``version_after`` to see a later edit. Written by set-based SQL
    (``enterprises.imports.roster``) and sealed into the audit chain like the statistics' rows;
    append-only in the database like them (``enterprises`` migration 0010)."""

    statistic_import = models.ForeignKey(
        StatisticImport,
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="enterprise_changes",
        db_constraint=False,
    )
    enterprise_id = models.BigIntegerField(_("enterprise id"), db_index=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    created = models.BooleanField(_("created by the import"), default=False)
    row_no = models.PositiveIntegerField(_("row number"), default=0)
    version_after = models.PositiveIntegerField(_("version after the import"), default=1)
    before_name = models.CharField(_("name before"), max_length=200, null=True, blank=True)
    before_county_id = models.BigIntegerField(_("county before"), null=True, blank=True)
    before_industry_id = models.BigIntegerField(_("industry before"), null=True, blank=True)
    before_niche_market = models.CharField(_("niche market before"), max_length=200, null=True, blank=True)
    before_address = models.CharField(_("address before"), max_length=300, null=True, blank=True)
    before_established_on = models.DateField(_("established on before"), null=True, blank=True)
    before_contact_person = models.CharField(_("contact person before"), max_length=50, null=True, blank=True)
    before_contact_phone = models.CharField(_("contact phone before"), max_length=20, null=True, blank=True)
    after_name = models.CharField(_("name after"), max_length=200, null=True, blank=True)
    after_county_id = models.BigIntegerField(_("county after"), null=True, blank=True)
    after_industry_id = models.BigIntegerField(_("industry after"), null=True, blank=True)
    after_niche_market = models.CharField(_("niche market after"), max_length=200, null=True, blank=True)
    after_address = models.CharField(_("address after"), max_length=300, null=True, blank=True)
    after_established_on = models.DateField(_("established on after"), null=True, blank=True)
    after_contact_person = models.CharField(_("contact person after"), max_length=50, null=True, blank=True)
    after_contact_phone = models.CharField(_("contact phone after"), max_length=20, null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise import change")
        verbose_name_plural = _("enterprise import changes")
        indexes = [models.Index(fields=["statistic_import", "row_no"])]

    def __str__(self):
        return f"#{self.statistic_import_id} · {self.credit_code}"


class TitleImportChange(models.Model):
    """What one committed recognition-list import did to one title (the ``titles`` import kind):
    ``created`` titles (the undo deletes them) or a batch name changed (before/after). Sealed into
    the audit chain and append-only in the database (``enterprises`` migration 0010)."""

    statistic_import = models.ForeignKey(
        StatisticImport,
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="title_changes",
        db_constraint=False,
    )
    title_id = models.BigIntegerField(_("title id"), db_index=True)
    enterprise_id = models.BigIntegerField(_("enterprise id"))
    tier_id = models.BigIntegerField(_("tier id"))
    recognised_on = models.DateField(_("recognised on"))
    created = models.BooleanField(_("created by the import"), default=False)
    row_no = models.PositiveIntegerField(_("row number"), default=0)
    version_after = models.PositiveIntegerField(_("version after the import"), default=1)
    before_batch = models.CharField(_("batch before"), max_length=100, null=True, blank=True)
    after_batch = models.CharField(_("batch after"), max_length=100, null=True, blank=True)
    after_valid_until = models.DateField(_("valid until after"), null=True, blank=True)

    class Meta:
        verbose_name = _("title import change")
        verbose_name_plural = _("title import changes")
        indexes = [models.Index(fields=["statistic_import", "row_no"])]

    def __str__(self):
        return f"#{self.statistic_import_id} · {self.title_id}"


class RDInstitutionImportChange(models.Model):
    """What one committed R&D institution import (the ``rd_institutions`` import kind) did to one
    institution: ``created`` ones (the undo deletes them), or the year and the name's spelling
    before and after. Sealed into the audit chain and append-only in the database (``enterprises``
    migration 0011)."""

    statistic_import = models.ForeignKey(
        StatisticImport,
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="rd_institution_changes",
        db_constraint=False,
    )
    institution_id = models.BigIntegerField(_("R&D institution id"), db_index=True)
    enterprise_id = models.BigIntegerField(_("enterprise id"))
    level_id = models.BigIntegerField(_("level id"))
    created = models.BooleanField(_("created by the import"), default=False)
    row_no = models.PositiveIntegerField(_("row number"), default=0)
    version_after = models.PositiveIntegerField(_("version after the import"), default=1)
    before_name = models.CharField(_("name before"), max_length=200, null=True, blank=True)
    before_recognised_year = models.PositiveSmallIntegerField(_("year recognised before"), null=True, blank=True)
    after_name = models.CharField(_("name after"), max_length=200, null=True, blank=True)
    after_recognised_year = models.PositiveSmallIntegerField(_("year recognised after"), null=True, blank=True)

    class Meta:
        verbose_name = _("R&D institution import change")
        verbose_name_plural = _("R&D institution import changes")
        indexes = [models.Index(fields=["statistic_import", "row_no"])]

    def __str__(self):
        return f"#{self.statistic_import_id} · {self.institution_id}"


class ListingImportChange(models.Model):
    """What one committed listing-record import did to one listing record (the ``listing_records``
    import kind): ``created`` records (the undo deletes them) or a note changed (before/after).
    Sealed into the audit chain and append-only in the database (``enterprises`` migration 0012)."""

    statistic_import = models.ForeignKey(
        StatisticImport,
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="listing_changes",
        db_constraint=False,
    )
    record_id = models.BigIntegerField(_("listing record id"), db_index=True)
    enterprise_id = models.BigIntegerField(_("enterprise id"))
    stage = models.CharField(_("stage"), max_length=16)
    venue = models.CharField(_("venue"), max_length=16)
    date = models.DateField(_("date"))
    created = models.BooleanField(_("created by the import"), default=False)
    row_no = models.PositiveIntegerField(_("row number"), default=0)
    version_after = models.PositiveIntegerField(_("version after the import"), default=1)
    before_note = models.CharField(_("note before"), max_length=300, null=True, blank=True)
    after_note = models.CharField(_("note after"), max_length=300, null=True, blank=True)

    class Meta:
        verbose_name = _("listing import change")
        verbose_name_plural = _("listing import changes")
        indexes = [models.Index(fields=["statistic_import", "row_no"])]

    def __str__(self):
        return f"#{self.statistic_import_id} · {self.record_id}"

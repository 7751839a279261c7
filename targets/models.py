"""The 2026 goals as data: the plan, its indicators, milestones and county allocations; manual
values with evidence; and the progress snapshots computed from the enterprise records.

Indicators, milestones and the plan (its time window and the status thresholds of the rule
"时间过半、任务过半") are reference rows loaded from ``fixtures/reference/07x_*.yaml``. Allocations,
manual values and snapshots are written by ``targets.services`` only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, NaturalKeyManager, Place
from core.models import JobModel, TimestampedModel
from core.scoping import ScopedQuerySet

from .choices import CompletionRule, Direction, IndicatorKind, ProgressStatus, RunTrigger
from .params import validate_params

VALUE: dict[str, Any] = {"max_digits": 18, "decimal_places": 4}


class Plan(models.Model):
    """An action plan: its time window and the thresholds of the "时间过半、任务过半" rule.

    Status compares the share of the target done with the share of the plan's time elapsed:
    ``done / time >= on_track_ratio`` is on track, ``>= at_risk_ratio`` behind, lower at risk.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    starts_on = models.DateField(_("plan starts on"))
    ends_on = models.DateField(_("plan ends on"))
    on_track_ratio = models.DecimalField(
        _("on-track ratio"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("1.000"),
        help_text=_("Share done divided by share of time elapsed at or above this: on track."),
    )
    at_risk_ratio = models.DecimalField(
        _("at-risk ratio"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.800"),
        help_text=_("Below this ratio: at risk; between the two: behind."),
    )

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="plan_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    def clean(self):
        super().clean()
        if (
            self.at_risk_ratio is not None
            and self.on_track_ratio is not None
            and self.at_risk_ratio > self.on_track_ratio
        ):
            raise ValidationError({"at_risk_ratio": _("The at-risk ratio cannot be above the on-track ratio.")})

    def share_of_time(self, date: dt.date) -> Decimal:
        """Share of the plan's time elapsed on ``date`` (0 before the start, 1 after the end)."""
        total = (self.ends_on - self.starts_on).days + 1
        elapsed = (date - self.starts_on).days + 1
        return max(Decimal(0), min(Decimal(1), Decimal(elapsed) / Decimal(total)))


class IndicatorManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Indicator(models.Model):
    """A goal of the plan, computed by ``kind`` with ``params`` (see ``targets.compute``)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40)
    definition = models.TextField(_("definition (统计口径)"))
    unit = models.CharField(_("unit"), max_length=20)
    kind = models.CharField(_("computation kind"), max_length=32, choices=IndicatorKind.choices)
    params = models.JSONField(_("computation parameters"), default=dict, blank=True)
    baseline_value = models.DecimalField(
        _("declared baseline"),
        null=True,
        blank=True,
        **VALUE,
        help_text=_("Left empty: the records on the baseline date give the baseline."),
    )
    baseline_date = models.DateField(_("baseline date"))
    target_value = models.DecimalField(
        _("target"),
        null=True,
        blank=True,
        **VALUE,
        help_text=_("Left empty for goals that only have to rise."),
    )
    target_date = models.DateField(_("target date"))
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, default=Direction.AT_LEAST)
    completion_rule = models.CharField(
        _("completion rule"),
        max_length=16,
        choices=CompletionRule.choices,
        default=CompletionRule.GAIN,
        help_text=_(
            "Gain: (current − baseline) ÷ (target − baseline), or current ÷ target when the target is not "
            "above the baseline. Level: current ÷ target. Never below 0; reached when current ≥ target."
        ),
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), on_delete=models.PROTECT, related_name="indicators"
    )
    additive = models.BooleanField(
        _("county parts add up"),
        default=True,
        help_text=_(
            "Counts: county targets must add up to the city target. Shares and ratios: each county has its own."
        ),
    )
    default_allocation = models.JSONField(
        _("default county allocation"),
        default=dict,
        blank=True,
        help_text=_("County code to target; copied into the allocations when none are stored."),
    )
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=0, validators=[MaxValueValidator(4)])
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = IndicatorManager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    natural_key.dependencies = ["targets.plan", "accounts.department"]  # type: ignore[attr-defined]

    def clean(self):
        super().clean()
        if self.kind:
            validate_params(self.kind, self.params or {})
        if self.baseline_date and self.target_date and self.target_date <= self.baseline_date:
            raise ValidationError({"target_date": _("The target date must be after the baseline date.")})


class MilestoneManager(models.Manager):
    def get_by_natural_key(self, indicator_code, year):
        return self.get(indicator__code=indicator_code, year=year)


class Milestone(models.Model):
    """The value an indicator should reach by the end of a year (2024, 2025, 2026)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="milestones"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    value = models.DecimalField(_("value"), null=True, blank=True, **VALUE)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = MilestoneManager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["indicator", "year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="unique_milestone_year")]

    def __str__(self):
        return f"{self.indicator} · {self.year}"

    def natural_key(self):
        return (self.indicator.code, self.year)

    natural_key.dependencies = ["targets.indicator"]  # type: ignore[attr-defined]


class Allocation(TimestampedModel):
    """One county's share of an indicator's target (edited by city operators)."""

    scope_county_field = "county"

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="allocations"
    )
    county = models.ForeignKey(
        Place,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    target_value = models.DecimalField(_("allocated target"), validators=[MinValueValidator(0)], **VALUE)
    baseline_value = models.DecimalField(
        _("declared county baseline"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **VALUE,
        help_text=_("Left empty: the records on the baseline date give the county's baseline."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("county allocation")
        verbose_name_plural = _("county allocations")
        ordering = ["indicator", "county__sort_order"]
        constraints = [models.UniqueConstraint(fields=["indicator", "county"], name="unique_allocation")]

    def __str__(self):
        return f"{self.indicator} · {self.county}"


class ManualValue(TimestampedModel):
    """A reported value (e.g. industry brands built) with its evidence, entered by the lead
    department. ``county`` empty: the city as a whole."""

    scope_county_field = "county"

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="manual_values"
    )
    county = models.ForeignKey(
        Place,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    as_of = models.DateField(_("as of"))
    value = models.DecimalField(_("value"), validators=[MinValueValidator(0)], **VALUE)
    evidence = models.TextField(_("evidence"), help_text=_("Documents, names and dates that prove the value."))
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["indicator", "as_of"])]

    def __str__(self):
        return f"{self.indicator} · {self.as_of:%Y-%m-%d} · {self.value}"

    def clean(self):
        super().clean()
        if self.as_of and self.as_of > timezone.localdate():
            raise ValidationError({"as_of": _("The date cannot be in the future.")})
        if self.evidence is not None and not self.evidence.strip():
            raise ValidationError({"evidence": _("Describe the evidence for this value.")})


class RecomputeRun(JobModel):
    """One run of the progress recompute (a job row: the Celery task takes its id)."""

    as_of = models.DateField(_("as of"), null=True, blank=True, help_text=_("Empty: today."))
    with_history = models.BooleanField(_("also quarter ends since the baseline"), default=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=RunTrigger.choices, default=RunTrigger.MANUAL)
    # a scheduled or import-triggered run has no requester
    requested_by = models.ForeignKey(  # type: ignore[assignment]
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    query_count = models.PositiveIntegerField(_("SQL queries"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute run")
        verbose_name_plural = _("recompute runs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_trigger_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class Snapshot(models.Model):
    """Every indicator for the city and each county as of one date. One per date: a new run for
    the same date replaces its values, so history is one snapshot per date (quarter ends kept)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="snapshots")
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    run = models.ForeignKey(
        RecomputeRun, verbose_name=_("run"), null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        ordering = ["-as_of"]
        constraints = [models.UniqueConstraint(fields=["plan", "as_of"], name="unique_snapshot_date")]

    def __str__(self):
        return f"{self.plan} · {self.as_of:%Y-%m-%d}"


class SnapshotValue(models.Model):
    """One indicator for the city (``county`` empty) or one county in a snapshot."""

    scope_county_field = "county"

    snapshot = models.ForeignKey(Snapshot, verbose_name=_("snapshot"), on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="+")
    county = models.ForeignKey(
        Place, verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("value"), null=True, blank=True, **VALUE)
    numerator = models.DecimalField(_("numerator"), null=True, blank=True, **VALUE)
    denominator = models.DecimalField(_("denominator"), null=True, blank=True, **VALUE)
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **VALUE)
    baseline_records = models.DecimalField(_("baseline by the records"), null=True, blank=True, **VALUE)
    target = models.DecimalField(_("target"), null=True, blank=True, **VALUE)
    share_done = models.DecimalField(_("share done"), null=True, blank=True, max_digits=9, decimal_places=4)
    period = models.CharField(
        _("quarter compared"),
        max_length=8,
        blank=True,
        help_text=_("Cohort ratios: the scope's latest reported quarter (e.g. 2025Q2)."),
    )
    compared = models.PositiveIntegerField(_("enterprises compared"), null=True, blank=True)
    left_out = models.PositiveIntegerField(_("enterprises left out"), null=True, blank=True)
    share_time = models.DecimalField(_("share of time elapsed"), max_digits=9, decimal_places=4)
    status = models.CharField(_("status"), max_length=16, choices=ProgressStatus.choices)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("snapshot value")
        verbose_name_plural = _("snapshot values")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "indicator", "county"], name="unique_snapshot_value"),
            models.UniqueConstraint(
                fields=["snapshot", "indicator"], condition=Q(county__isnull=True), name="unique_snapshot_city_value"
            ),
        ]

    def __str__(self):
        return f"{self.snapshot} · {self.indicator} · {self.county or _('city')}"

"""Dynamic management (动态管理): versioned eligibility criteria, title reviews (复核) and revocations,
the yearly data-update and application calendar, the reserve pool (后备库) and the alerts a beat
job refreshes.

Policy is data: criteria sets, their criteria rows and score tables, deadlines and application
windows are reference rows loaded from ``fixtures/reference/09x_*.yaml`` (natural keys) and editable
by city users. Reviews, revocations and reserve entries are county-scoped business rows written only
through ``enterprises.dynamics.services``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import NaturalKeyManager
from core.models import VersionedModel
from core.scoping import ScopedQuerySet

from ..choices import ListingVenue
from ..models.core import Enterprise, Tier, Title
from .choices import (  # noqa: F401  (re-exported through enterprises.models)
    RESERVE_TRANSITIONS,
    AlertKind,
    CriterionKind,
    Figure,
    Operator,
    ReserveStatus,
    ReviewOutcome,
    RevocationGround,
)
from .precheck import fmt

# --------------------------------------------------------------------------------------------------
# Reference data: criteria sets, score dimensions, criteria, calendar
# --------------------------------------------------------------------------------------------------


def in_force_on(date: dt.date, prefix: str = "") -> Q:
    """Q for rows in force on ``date``: ``effective_from`` ≤ date < ``effective_to`` (open end)."""
    return Q(**{f"{prefix}effective_from__lte": date}) & (
        Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gt": date})
    )


class CriteriaSetQuerySet(models.QuerySet):
    def in_force(self, date: dt.date):
        return self.filter(in_force_on(date))

    def for_venue(self, venue: str, date: dt.date):
        """The entry conditions in force for a listing ``venue`` on ``date``, or None."""
        return self.in_force(date).filter(venue=venue).order_by("-effective_from").first()

    def for_tier(self, tier, date: dt.date):
        """The set in force for ``tier`` (instance, id or code) on ``date``, or None."""
        qs = self.in_force(date).select_related("tier")
        if isinstance(tier, str):
            qs = qs.filter(tier__code=tier)
        else:
            qs = qs.filter(tier=tier)
        return qs.order_by("-effective_from").first()


class CriteriaSetManager(NaturalKeyManager.from_queryset(CriteriaSetQuerySet)):
    pass


class CriteriaSet(models.Model):
    """The recognition criteria of one tier under one set of measures, in force for a period.

    A set has threshold rows (all must be met; rows sharing a *group* are alternatives), direct
    conditions (any one met suffices on its own) and a score table (bands per item, items per
    dimension) with a minimum total score."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    tier = models.ForeignKey(
        Tier,
        verbose_name=_("tier"),
        on_delete=models.PROTECT,
        related_name="criteria_sets",
        null=True,
        blank=True,
        help_text=_("Empty for the entry conditions of a listing venue."),
    )
    venue = models.CharField(
        _("listing venue"),
        max_length=16,
        choices=ListingVenue.choices,
        blank=True,
        help_text=_("The venue whose published thresholds the set holds (listing reserve list); empty for a tier."),
    )
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"),
        null=True,
        blank=True,
        help_text=_("First day the set is no longer in force; empty while it is in force."),
    )
    source_document = models.CharField(_("source document"), max_length=300)
    min_score = models.DecimalField(
        _("minimum score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the set has no score requirement."),
    )
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Thresholds checked against the published document."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = CriteriaSetManager()

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        ordering = ["tier__rank", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "effective_from"], name="unique_criteria_set_start"),
            models.UniqueConstraint(
                fields=["venue", "effective_from"], condition=~Q(venue=""), name="unique_venue_criteria_set_start"
            ),
            models.CheckConstraint(
                condition=(Q(tier__isnull=False) & Q(venue="")) | (Q(tier__isnull=True) & ~Q(venue="")),
                name="criteria_set_tier_or_venue",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                name="criteria_set_period_order",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    def clean(self):
        super().clean()
        if bool(self.tier_id) == bool(self.venue):
            raise ValidationError({"tier": _("A criteria set is for either a tier or a listing venue.")})
        if self.effective_from:
            same = {"tier_id": self.tier_id} if self.tier_id else {"venue": self.venue}
            overlapping = (
                CriteriaSet.objects.filter(**same)
                .exclude(pk=self.pk)
                .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=self.effective_from))
            )
            if self.effective_to:
                overlapping = overlapping.filter(effective_from__lt=self.effective_to)
            clash = overlapping.first()
            if clash is not None:
                raise ValidationError(
                    {
                        "effective_from": _("The period overlaps the criteria set %(other)s of the same tier or venue.")
                        % {"other": clash.name}
                    }
                )


class ChildOfSetManager(models.Manager):
    def get_by_natural_key(self, set_code, code):
        return self.get(criteria_set__code=set_code, code=code)


class ScoreDimension(models.Model):
    """A dimension of a 100-point score table (创新能力, 成长性, 专业化 …) with its maximum and the
    minimum an enterprise must reach in it (if any)."""

    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("criteria set"), on_delete=models.CASCADE, related_name="dimensions"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    min_points = models.DecimalField(_("minimum points"), max_digits=6, decimal_places=2, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = ChildOfSetManager()

    class Meta:
        verbose_name = _("score dimension")
        verbose_name_plural = _("score dimensions")
        ordering = ["criteria_set", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="unique_score_dimension")]

    def __str__(self):
        return f"{self.criteria_set} · {self.name}"

    def natural_key(self):
        return (self.criteria_set.code, self.code)

    natural_key.dependencies = ["enterprises.criteriaset"]


class Criterion(models.Model):
    """One row of a criteria set.

    * threshold: ``figure operator threshold`` must hold. Thresholds with the same ``group`` are
      alternatives (any one *option* of the group suffices); thresholds with the same ``group`` and
      ``option`` must hold together.
    * condition: a direct condition (``figure operator threshold``); any one met makes the
      enterprise eligible regardless of the rest.
    * band: a band of a score table item: ``points`` when the figure lies between ``threshold``
      (``operator``: ≥ or >) and ``upper`` (``upper_operator``: < or ≤); an item scores the highest
      band it matches (bands of one item may test different figures), 0 when none matches.
    """

    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("criteria set"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CriterionKind.choices)
    figure = models.CharField(_("figure"), max_length=40, choices=Figure.choices)
    operator = models.CharField(_("operator"), max_length=4, choices=Operator.choices, default=Operator.GTE)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("For a band: its lower bound; empty means no lower bound."),
    )
    upper = models.DecimalField(_("upper bound"), max_digits=16, decimal_places=4, null=True, blank=True)
    upper_operator = models.CharField(_("upper operator"), max_length=4, choices=Operator.choices, default=Operator.LT)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    dimension = models.ForeignKey(
        ScoreDimension,
        verbose_name=_("score dimension"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bands",
    )
    item = models.SlugField(_("score item"), max_length=40, blank=True)
    item_name = models.CharField(_("score item name"), max_length=100, blank=True)
    group = models.SlugField(_("alternatives group"), max_length=40, blank=True)
    option = models.SlugField(_("option within the group"), max_length=40, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ChildOfSetManager()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["criteria_set", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="unique_criterion_code")]

    def __str__(self):
        return f"{self.criteria_set.code} · {self.name}"

    def natural_key(self):
        return (self.criteria_set.code, self.code)

    natural_key.dependencies = ["enterprises.criteriaset", "enterprises.scoredimension"]

    def clean(self):
        super().clean()
        errors = {}
        if self.kind == CriterionKind.BAND:
            if self.points is None:
                errors["points"] = _("A score band needs its points.")
            if self.dimension_id is None:
                errors["dimension"] = _("A score band belongs to a score dimension.")
            elif self.criteria_set_id and self.dimension.criteria_set_id != self.criteria_set_id:
                errors["dimension"] = _("The dimension belongs to another criteria set.")
            if not self.item:
                errors["item"] = _("A score band belongs to a score item.")
            if self.operator not in (Operator.GTE, Operator.GT):
                errors["operator"] = _("The lower bound of a band uses ≥ or >.")
            if self.upper_operator not in (Operator.LT, Operator.LTE):
                errors["upper_operator"] = _("The upper bound of a band uses < or ≤.")
            if self.threshold is None and self.upper is None:
                errors["threshold"] = _("A band needs a lower or an upper bound.")
        elif self.threshold is None:
            errors["threshold"] = _("A threshold or condition needs its threshold value.")
        if errors:
            raise ValidationError(errors)


class DataUpdateDeadlineManager(models.Manager):
    def get_by_natural_key(self, year):
        return self.get(year=year)


class DataUpdateDeadline(models.Model):
    """The date by which titled enterprises must update their yearly data (figures of the previous
    year); missing it costs review eligibility."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    deadline = models.DateField(_("deadline"))
    source_document = models.CharField(_("source document"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = DataUpdateDeadlineManager()

    class Meta:
        verbose_name = _("data-update deadline")
        verbose_name_plural = _("data-update deadlines")
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}: {self.deadline:%Y-%m-%d}"

    def natural_key(self):
        return (self.year,)

    @property
    def data_year(self) -> int:
        """The year whose figures are due."""
        return self.year - 1


class ApplicationWindowManager(models.Manager):
    def get_by_natural_key(self, tier_code, year):
        return self.get(tier__code=tier_code, year=year)


class ApplicationWindow(models.Model):
    """When applications for a tier are taken in a year (varies each year)."""

    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="windows")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    source_document = models.CharField(_("source document"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ApplicationWindowManager()

    class Meta:
        verbose_name = _("application window")
        verbose_name_plural = _("application windows")
        ordering = ["year", "opens_on"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "year"], name="unique_application_window"),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="window_order"),
        ]

    def __str__(self):
        return f"{self.year} {self.tier}: {self.opens_on:%m-%d}–{self.closes_on:%m-%d}"

    def natural_key(self):
        return (self.tier.code, self.year)

    natural_key.dependencies = ["enterprises.tier"]


# --------------------------------------------------------------------------------------------------
# Business rows: reviews, revocations, reserve entries, alerts
# --------------------------------------------------------------------------------------------------


class TitleReview(VersionedModel):
    """A review (复核) of a title. While pending the title stays valid (status under review); passed
    extends it by the tier's validity; failed ends it."""

    scope_county_field = "title__enterprise__county"

    title = models.ForeignKey(Title, verbose_name=_("title"), on_delete=models.CASCADE, related_name="reviews")
    started_on = models.DateField(_("review started on"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING, db_index=True
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    previous_valid_until = models.DateField(_("valid until before the review"), null=True, blank=True)
    new_valid_until = models.DateField(_("valid until after the review"), null=True, blank=True)
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("title review")
        verbose_name_plural = _("title reviews")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["title"], condition=Q(outcome="pending"), name="one_pending_review_per_title"
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(decided_on__isnull=False), name="decided_review_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.title} · {self.get_outcome_display()}"

    def clean(self):
        super().clean()
        today = timezone.localdate()
        errors = {}
        if self.started_on and self.started_on > today:
            errors["started_on"] = _("The start date cannot be in the future.")
        if self.outcome != ReviewOutcome.PENDING and not self.decided_on:
            errors["decided_on"] = _("A decided review needs the date of the decision.")
        if self.decided_on:
            if self.decided_on > today:
                errors["decided_on"] = _("The decision date cannot be in the future.")
            elif self.started_on and self.decided_on < self.started_on:
                errors["decided_on"] = _("The decision date cannot be before the review started.")
        if errors:
            raise ValidationError(errors)


class TitleRevocation(VersionedModel):
    """The revocation of a title, with its ground."""

    scope_county_field = "title__enterprise__county"

    title = models.OneToOneField(Title, verbose_name=_("title"), on_delete=models.CASCADE, related_name="revocation")
    ground = models.CharField(_("ground"), max_length=24, choices=RevocationGround.choices)
    revoked_on = models.DateField(_("revoked on"))
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    note = models.CharField(_("details"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("title revocation")
        verbose_name_plural = _("title revocations")
        ordering = ["-revoked_on"]

    def __str__(self):
        return f"{self.title} · {self.get_ground_display()}"

    def clean(self):
        super().clean()
        if self.revoked_on and self.revoked_on > timezone.localdate():
            raise ValidationError({"revoked_on": _("The revocation date cannot be in the future.")})
        if self.revoked_on and self.title_id and self.revoked_on < self.title.recognised_on:
            raise ValidationError({"revoked_on": _("The revocation date cannot be before the recognition date.")})


class ReserveEntry(VersionedModel):
    """An enterprise of the reserve pool recommended for a tier in a year's batch, tracked through
    application to recognition."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="reserve_entries"
    )
    target_tier = models.ForeignKey(Tier, verbose_name=_("target tier"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(
        _("batch year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReserveStatus.choices, default=ReserveStatus.RECOMMENDED, db_index=True
    )
    recommended_on = models.DateField(_("recommended on"))
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    precheck_status = models.CharField(_("pre-check result at recommendation"), max_length=16, blank=True)
    precheck_score = models.DecimalField(
        _("pre-check score at recommendation (lowest)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    precheck_score_max = models.DecimalField(
        _("pre-check score at recommendation (highest)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Higher than the lowest while some figures are unknown."),
    )
    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("criteria set used"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.ForeignKey(
        Title, verbose_name=_("title granted"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reserve pool entry")
        verbose_name_plural = _("reserve pool entries")
        ordering = ["-year", "target_tier__rank", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "target_tier", "year"], name="unique_reserve_entry"),
        ]
        indexes = [models.Index(fields=["target_tier", "year", "status"])]

    def __str__(self):
        return f"{self.enterprise} → {self.target_tier} ({self.year})"

    @property
    def precheck_score_display(self) -> str:
        if self.precheck_score is None:
            return ""
        if self.precheck_score_max is None or self.precheck_score_max == self.precheck_score:
            return fmt(self.precheck_score)
        return f"{fmt(self.precheck_score)}–{fmt(self.precheck_score_max)}"

    def clean(self):
        super().clean()
        today = timezone.localdate()
        errors = {}
        for name in ("recommended_on", "applied_on", "decided_on"):
            value = getattr(self, name)
            if value and value > today:
                errors[name] = _("The date cannot be in the future.")
        if self.applied_on and self.recommended_on and self.applied_on < self.recommended_on:
            errors["applied_on"] = _("The application date cannot be before the recommendation.")
        if self.decided_on and self.applied_on and self.decided_on < self.applied_on:
            errors["decided_on"] = _("The decision date cannot be before the application.")
        if errors:
            raise ValidationError(errors)


class DynamicsAlert(models.Model):
    """An alert of the review calendar, rebuilt by the nightly job (derived data, not edited)."""

    scope_county_field = "enterprise__county"

    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices, db_index=True)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+")
    title = models.ForeignKey(
        Title, verbose_name=_("title"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    refreshed_at = models.DateTimeField(_("refreshed at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dynamic-management alert")
        verbose_name_plural = _("dynamic-management alerts")
        ordering = ["due_on"]
        indexes = [models.Index(fields=["kind", "due_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.enterprise_id} · {self.due_on:%Y-%m-%d}"


class ReservePoolRefresh(models.Model):
    """When the reserve pool of a tier was last precomputed (``ReserveVerdict``): for which day,
    with which criteria set, how many candidates. One row per tier; the page reads the stored
    verdicts only when this row is for today and the criteria set in force."""

    tier = models.OneToOneField(Tier, verbose_name=_("target tier"), on_delete=models.CASCADE, related_name="+")
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("criteria set used"), on_delete=models.CASCADE, related_name="+"
    )
    computed_for = models.DateField(_("computed for"))
    computed_at = models.DateTimeField(_("computed at"))
    candidates = models.PositiveIntegerField(_("candidates"), default=0)

    class Meta:
        verbose_name = _("reserve pool refresh")
        verbose_name_plural = _("reserve pool refreshes")

    def __str__(self):
        return f"{self.tier_id} {self.computed_for:%Y-%m-%d}"


class ReserveVerdict(models.Model):
    """The pre-check verdict of one candidate of a tier's reserve pool, precomputed city-wide
    (``services.reserve_verdicts_refresh``, derived data, not edited): the pool page counts and
    pages these rows instead of pre-checking every candidate per request. ``county`` and ``name``
    are copies of the enterprise's (scoping and order), kept in step on every save of it."""

    scope_county_field = "county"

    tier = models.ForeignKey(Tier, verbose_name=_("target tier"), on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+")
    county = models.ForeignKey(
        "accounts.Place", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, verbose_name=_("criteria set used"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(_("pre-check result"), max_length=16)
    status_order = models.PositiveSmallIntegerField(_("order of the result"))  # eligible 0, unknown 1, not eligible 2
    score_min = models.DecimalField(_("lowest score"), max_digits=8, decimal_places=2, null=True, blank=True)
    # The rank in the pool's order (result, lowest score descending, name, id) as the live pool
    # sorts it (``selectors.sort_verdicts``): the database's collation of names plays no part.
    position = models.PositiveIntegerField(_("position in the pool"))
    name = models.CharField(_("name"), max_length=200)
    computed_for = models.DateField(_("computed for"))
    computed_at = models.DateTimeField(_("computed at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reserve pool verdict")
        verbose_name_plural = _("reserve pool verdicts")
        ordering = ["tier", "status_order", "position"]
        constraints = [models.UniqueConstraint(fields=["tier", "enterprise"], name="unique_reserve_verdict")]
        indexes = [
            models.Index(fields=["tier", "county", "status"], name="reserve_verdict_counts"),
            models.Index(fields=["tier", "status_order", "position"], name="reserve_verdict_order"),
            models.Index(fields=["tier", "county", "status_order", "position"], name="reserve_verdict_county_order"),
        ]

    def __str__(self):
        return f"{self.tier_id} · {self.enterprise_id} · {self.status}"


__all__ = [
    "AlertKind",
    "ApplicationWindow",
    "CriteriaSet",
    "Criterion",
    "CriterionKind",
    "DataUpdateDeadline",
    "DynamicsAlert",
    "Figure",
    "Operator",
    "RESERVE_TRANSITIONS",
    "ReserveEntry",
    "ReservePoolRefresh",
    "ReserveStatus",
    "ReserveVerdict",
    "ReviewOutcome",
    "RevocationGround",
    "ScoreDimension",
    "TitleReview",
    "TitleRevocation",
    "in_force_on",
]

"""Models of the listing pipeline (label ``enterprises``, like dynamic management).

Reference rows (policy as data, loaded from ``fixtures/reference/092_listings.yaml``): the listing
programme (its horizon and lead departments) and, per stage, the share of enterprises that go on to
list and the usual days from the stage to the listing (the projection's assumptions, unverified
until checked). Business rows, written only through ``enterprises.listings.services``: reserve-list
entries (上市后备企业库) and the actions taken for them. Stages are never stored: they are derived
from the enterprise's ``ListingRecord`` rows (``pipeline.derive``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, NaturalKeyManager
from core.models import VersionedModel
from core.scoping import VIEW, ScopedQuerySet, county_id_of

from ..choices import ListingStage, ListingVenue
from ..dynamics.models import CriteriaSet
from ..models.core import Enterprise, Tier
from . import policy
from .choices import ActionKind, EntrySource


class ListingProgramme(models.Model):
    """The plan's listing goal as the pipeline sees it: the horizon of the projection and the
    departments that lead it (they keep the reserve list for the whole city)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    start = models.DateField(_("listings count from"))
    horizon = models.DateField(_("projection horizon"))
    min_tier = models.ForeignKey(
        Tier,
        verbose_name=_("lowest title that counts"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "A listing counts towards the goal only for an enterprise holding a valid title of this tier or above."
        ),
    )
    lead_departments = models.ManyToManyField(
        Department, verbose_name=_("lead departments"), related_name="listing_programmes", blank=True
    )
    note = models.TextField(_("note"), blank=True)

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("listing programme")
        verbose_name_plural = _("listing programmes")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class StageRuleManager(models.Manager):
    def get_by_natural_key(self, programme_code, stage):
        return self.get(programme__code=programme_code, stage=stage)


class ListingStageRule(models.Model):
    """The projection's assumption for enterprises now at one stage: the share that goes on to list
    and the usual days from entering the stage to the listing."""

    programme = models.ForeignKey(
        ListingProgramme, verbose_name=_("listing programme"), on_delete=models.CASCADE, related_name="stage_rules"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=ListingStage.choices)
    listing_rate = models.DecimalField(
        _("share that goes on to list (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    days_to_listing = models.PositiveIntegerField(_("usual days from this stage to the listing"))
    verified = models.BooleanField(_("verified"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = StageRuleManager()

    class Meta:
        verbose_name = _("projection assumption")
        verbose_name_plural = _("projection assumptions")
        ordering = ["programme", "stage"]
        constraints = [models.UniqueConstraint(fields=["programme", "stage"], name="unique_listing_stage_rule")]

    def __str__(self):
        return f"{self.programme} · {self.get_stage_display()}"

    def natural_key(self):
        return (self.programme.code, self.stage)

    natural_key.dependencies = ["enterprises.listingprogramme"]  # type: ignore[attr-defined]


class PipelineQuerySet(ScopedQuerySet):
    """County scoping, plus city-wide writes for the lead departments (``policy``)."""

    def for_user(self, user: Any, action: str = VIEW):
        keyword = policy.county_filter(user, action)
        if keyword is None:
            return self.none()
        if not keyword:
            return self
        return self.filter(**{self.model.scope_county_field: keyword["county_id"]})


class ListingReserveEntry(VersionedModel):
    """An enterprise on the listing reserve list (上市后备企业库) with its target venue and year."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="listing_entries"
    )
    target_venue = models.CharField(_("target venue"), max_length=16, choices=ListingVenue.choices)
    target_year = models.PositiveSmallIntegerField(
        _("target year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    sponsor = models.CharField(_("sponsor (保荐机构)"), max_length=200, blank=True)
    entered_on = models.DateField(_("entered on"))
    source = models.CharField(_("source"), max_length=16, choices=EntrySource.choices, default=EntrySource.MANUAL)
    criteria_set = models.ForeignKey(
        CriteriaSet,
        verbose_name=_("entry conditions used"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    precheck_status = models.CharField(_("entry conditions at entry"), max_length=16, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing reserve entry")
        verbose_name_plural = _("listing reserve entries")
        ordering = ["target_year", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(removed_on__isnull=True), name="one_active_listing_entry"
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} → {self.get_target_venue_display()} ({self.target_year})"

    def scope_check(self, user, action):
        """Called by ``core.scoping.require`` (and so by ``scoped_save``): counties, and the lead
        departments city-wide."""
        return policy.check(user, action, county_id_of(self))

    def clean(self):
        super().clean()
        today = timezone.localdate()
        errors = {}
        if self.entered_on and self.entered_on > today:
            errors["entered_on"] = _("The date cannot be in the future.")
        if self.removed_on:
            if self.removed_on > today:
                errors["removed_on"] = _("The date cannot be in the future.")
            elif self.entered_on and self.removed_on < self.entered_on:
                errors["removed_on"] = _("The removal date cannot be before the entry date.")
        if (
            self.enterprise_id
            and self.removed_on is None
            and ListingReserveEntry.objects.filter(enterprise_id=self.enterprise_id, removed_on__isnull=True)
            .exclude(pk=self.pk)
            .exists()
        ):
            errors["enterprise"] = _("This enterprise is already on the listing reserve list.")
        if errors:
            raise ValidationError(errors)


class ListingAction(VersionedModel):
    """An action taken for an enterprise of the reserve list (辅导, 对接会, 政策兑现 …), with its date."""

    scope_county_field = "entry__enterprise__county"

    entry = models.ForeignKey(
        ListingReserveEntry, verbose_name=_("reserve entry"), on_delete=models.CASCADE, related_name="actions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActionKind.choices)
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing action")
        verbose_name_plural = _("listing actions")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.entry.enterprise} · {self.get_kind_display()} · {self.date:%Y-%m-%d}"

    def scope_check(self, user, action):
        return policy.check(user, action, county_id_of(self))

    def clean(self):
        super().clean()
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("The date cannot be in the future.")})


__all__ = ["ListingAction", "ListingProgramme", "ListingReserveEntry", "ListingStageRule"]

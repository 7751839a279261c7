"""Effective-dated history of an enterprise's status (operating, deregistered, moved out) and of
its county (moves between the counties of the city).

``Enterprise.status`` is the status today; each change is kept here with the date it took effect,
so a count "as of D" can leave out the enterprises gone (注销 or moved out of the city) on or before
D, while cumulative counts (累计培育) keep them. Rows are written only through
``enterprises.services.enterprise_save`` (the write path ``scoped_save``, audited).

``Enterprise.county`` is likewise the county today; each move between counties is kept as an
``EnterpriseCountyChange`` with the date it took effect (the first day in the new county), so the
figures as of D count an enterprise in the county it belonged to on D (``county_on``). Moves are
written only through ``enterprises.services.enterprise_move`` (the form, the API) and the roster
import's set-based write; both keep ``Enterprise.county`` equal to the ``to_county`` of the latest
move (a move dated before the latest one is refused), which ``county_on`` relies on.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from core.models import TimestampedModel
from core.scoping import ScopedQuerySet

from ..choices import EnterpriseStatus
from .core import Enterprise
from .imports import StatisticImport


class EnterpriseStatusChange(TimestampedModel):
    """The enterprise's status from ``effective_on`` until its next change."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(_("status"), max_length=16, choices=EnterpriseStatus.choices)
    effective_on = models.DateField(_("status effective on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "effective_on"])]

    def __str__(self):
        return f"{self.enterprise} · {self.get_status_display()} · {self.effective_on:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.effective_on and self.effective_on > timezone.localdate():
            raise ValidationError({"effective_on": _("The date the status took effect cannot be in the future.")})


def gone_by(date: dt.date):
    """Ids (a subquery) of the enterprises gone on or before ``date``: their latest status change
    effective on or before ``date`` is not "operating"."""
    later = EnterpriseStatusChange.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), effective_on__lte=date
    ).filter(
        Q(effective_on__gt=OuterRef("effective_on")) | Q(effective_on=OuterRef("effective_on"), pk__gt=OuterRef("pk"))
    )
    return (
        EnterpriseStatusChange.objects.filter(effective_on__lte=date)
        .exclude(status=EnterpriseStatus.OPERATING)
        .filter(~Exists(later))
        .values("enterprise_id")
    )


class EnterpriseCountyChange(TimestampedModel):
    """A move of an enterprise from one county of the city to another, effective ``effective_on``
    (its first day in ``to_county``). Scoped by the enterprise's county today: a county official
    sees the moves of the enterprises now in her county (into it, and earlier moves of those
    enterprises); the city sees every move in and out."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="county_changes"
    )
    from_county = models.ForeignKey(
        Place,
        verbose_name=_("moved from county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    to_county = models.ForeignKey(
        Place,
        verbose_name=_("moved to county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    effective_on = models.DateField(_("move effective on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    statistic_import = models.ForeignKey(
        StatisticImport,
        verbose_name=_("recorded by the import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("county change")
        verbose_name_plural = _("county changes")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["effective_on"])]  # "moves after D" (``moved_after``)
        constraints = [
            models.CheckConstraint(condition=~Q(from_county=F("to_county")), name="county_change_between_counties")
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.from_county} → {self.to_county} · {self.effective_on:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.effective_on and self.effective_on > timezone.localdate():
            raise ValidationError({"effective_on": _("The date the move took effect cannot be in the future.")})
        if self.from_county_id and self.from_county_id == self.to_county_id:
            raise ValidationError({"to_county": _("The enterprise is already in this county.")})


def moved_after(date: dt.date) -> dict[int, int]:
    """``{enterprise id: county id on date}`` for the enterprises whose county on ``date`` is not
    their county today, in ONE query (moves are rare: dozens).

    The county on ``date`` is the ``to_county`` of the latest move effective on or before it; if
    none, the ``from_county`` of the earliest move after it; with no moves, the county today. As
    the county today is the ``to_county`` of the latest move (the write paths keep it so), only an
    enterprise with a move after ``date`` can have been elsewhere on ``date``: there, in the
    ``from_county`` of its earliest move after ``date``."""
    earliest: dict[int, tuple[int, int]] = {}
    rows = (
        EnterpriseCountyChange.objects.filter(effective_on__gt=date)
        .order_by("enterprise_id", "effective_on", "id")
        .values_list("enterprise_id", "from_county_id", "enterprise__county_id")
    )
    for enterprise_id, from_county_id, county_id in rows:
        earliest.setdefault(enterprise_id, (from_county_id, county_id))
    return {pk: then for pk, (then, now) in earliest.items() if then != now}  # moved away and back: no change


def county_on(date: dt.date, enterprise: str = "enterprise", moved: dict[int, int] | None = None):
    """An expression for the county (id) an enterprise belonged to on ``date``, to group figures
    by: ``enterprise`` is the path to the enterprise (``""`` on the enterprise itself). ``moved``
    is ``moved_after(date)`` when the caller has it already (one query for several figures). With
    no moves after ``date`` it is the plain county column: it costs nothing."""
    moved = moved_after(date) if moved is None else moved
    current = F(f"{enterprise}__county_id" if enterprise else "county_id")
    if not moved:
        return current
    id_field = f"{enterprise}_id" if enterprise else "pk"
    by_county: dict[int, list[int]] = {}
    for enterprise_id, county_id in sorted(moved.items()):
        by_county.setdefault(county_id, []).append(enterprise_id)
    whens = [When(**{f"{id_field}__in": ids}, then=Value(county_id)) for county_id, ids in sorted(by_county.items())]
    return Case(*whens, default=current, output_field=IntegerField())

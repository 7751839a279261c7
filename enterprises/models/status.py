"""Effective-dated history of an enterprise's status (operating, deregistered, moved out).

``Enterprise.status`` is the status today; each change is kept here with the date it took effect,
so a count "as of D" can leave out the enterprises gone (注销 or moved out of the city) on or before
D, while cumulative counts (累计培育) keep them. Rows are written only through
``enterprises.services.enterprise_save`` (the write path ``scoped_save``, audited).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimestampedModel
from core.scoping import ScopedQuerySet

from ..choices import EnterpriseStatus
from .core import Enterprise


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

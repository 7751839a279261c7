"""Service commissioners (服务专员) of the plan's task 二（三）5: who serves which enterprise.

An enterprise has at most one current commissioner (``is_current``, a partial unique constraint);
earlier assignments stay as history with the date they ended. Writes go through
``support.services.assign_commissioner`` (``core.services.scoped_save``): the county official assigns
within the county, the city operator anywhere (``scope_county_field``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import VersionedModel
from core.scoping import ScopedQuerySet


class CommissionerAssignment(VersionedModel):
    """One enterprise served by one commissioner from ``starts_on`` until ``ends_on`` (open: current)."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="commissioner_assignments",
    )
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service commissioner"),
        on_delete=models.PROTECT,
        related_name="commissioner_assignments",
    )
    starts_on = models.DateField(_("assigned from"), default=timezone.localdate)
    ends_on = models.DateField(_("assigned until"), null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=True, db_index=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("commissioner assignment")
        verbose_name_plural = _("commissioner assignments")
        ordering = ["enterprise_id", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_current=True),
                name="support_one_current_commissioner",
                violation_error_message=_("This enterprise already has a current service commissioner."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="support_assignment_ends_after_start",
                violation_error_message=_("The assignment cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["commissioner", "is_current"], name="support_assign_user_current")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.commissioner}"

"""Choices of the listing pipeline (a module of their own: the pure ``pipeline`` and the models
both import them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ListingStage

#: The road to a listing, in order (挂牌 on a regional board and 撤回 are off the road).
PATH = (
    ListingStage.TUTORING,
    ListingStage.ACCEPTED,
    ListingStage.APPROVED,
    ListingStage.REGISTERED,
    ListingStage.LISTED,
)
RANK = {stage.value: index for index, stage in enumerate(PATH, start=1)}
#: Stages from which the projection counts an enterprise (申报受理 or later, not yet listed).
PROJECTED_FROM = (ListingStage.ACCEPTED, ListingStage.APPROVED, ListingStage.REGISTERED)
#: Stage of an enterprise on the reserve list without any listing record yet.
NOT_STARTED = "not_started"


class ActionKind(models.TextChoices):
    TUTORING = "tutoring", _("Tutoring (辅导)")
    MATCHMAKING = "matchmaking", _("Matchmaking meeting (对接会)")
    POLICY = "policy", _("Policy support paid out (政策兑现)")
    OTHER = "other", _("Other")


class EntrySource(models.TextChoices):
    MANUAL = "manual", _("Entered by a user")
    RULES = "rules", _("Proposed from the entry conditions")

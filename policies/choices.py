"""Choices of the policy library (a module of their own: models and the matching both use them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.dynamics.choices import Figure


class ConditionKind(models.TextChoices):
    FIGURE = "figure", _("Statistics figure")
    TIER = "tier", _("Tier held")
    COUNTY = "county", _("County")
    INDUSTRY = "industry", _("Industry")
    TAG = "tag", _("Plan tag")
    LISTING = "listing", _("Listing stage")


class MatchStatus(models.TextChoices):
    MET = "met", _("Meets every condition")
    MISSED_ONE = "missed_one", _("Misses one condition")
    UNKNOWN = "unknown", _("Data unknown")


#: The pre-check figures a policy condition may test: those ``policies.matching`` also translates
#: to SQL (the match lists of 100k enterprises run in the database).
SQL_FIGURES = (
    Figure.REVENUE.value,
    Figure.MAIN_BUSINESS_SHARE.value,
    Figure.PROFIT_MARGIN.value,
    Figure.DEBT_RATIO.value,
    Figure.RD_EXPENSE.value,
    Figure.RD_RATIO.value,
    Figure.RD_STAFF_SHARE.value,
    Figure.CLASS1_IP.value,
    Figure.INVENTION_PATENTS.value,
    Figure.TRADEMARKS.value,
    Figure.DIGITAL_LEVEL.value,
    Figure.RD_INSTITUTION_RANK.value,
)

#: Listing stages in their order on the road to a listing (a condition "stage reached" is met by
#: that stage or any later one).
LISTING_ORDER = ("tutoring", "accepted", "approved", "registered", "listed")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    MESSAGE = "message", _("Message (WeChat, SMS)")
    MEETING = "meeting", _("Briefing session")
    DOCUMENT = "document", _("Written notice")


class Intention(models.TextChoices):
    WILL_APPLY = "will_apply", _("Will apply")
    UNDECIDED = "undecided", _("Undecided")
    DECLINED = "declined", _("Not interested")


class PushStep(models.TextChoices):
    PUSHED = "pushed", _("Pushed")
    NOTIFIED = "notified", _("Notified")
    APPLIED = "applied", _("Applied")
    GRANTED = "granted", _("Granted")


class IndicatorKind(models.TextChoices):
    SHARE_SUPPORTED = "share_supported", _("Share of titled enterprises that received support in the year")
    AMOUNT = "amount", _("Amount granted in the year")


class IndicatorGroup(models.TextChoices):
    NONE = "none", _("In total")
    SUPPORT_TYPE = "support_type", _("By support type")
    DEPARTMENT = "department", _("By granting unit")
    COUNTY = "county", _("By county")
    TASK = "task", _("By plan task")

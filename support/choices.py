"""Choices of the support app (visits and enterprise requests)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitForm(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class RequestSource(models.TextChoices):
    PORTAL = "portal", _("Recorded in the portal")
    PLATFORM = "platform", _("City request platform")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting acceptance")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")
    SUSPENDED = "suspended", _("Suspended")
    RETURNED = "returned", _("Returned for more information")


OPEN_STATUSES = (
    RequestStatus.PENDING,
    RequestStatus.IN_PROGRESS,
    RequestStatus.REPLIED,
    RequestStatus.SUSPENDED,
    RequestStatus.RETURNED,
)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    MOSTLY_SATISFIED = "mostly", _("Mostly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class RequestAction(models.TextChoices):
    CREATE = "create", _("Recorded")
    ACCEPT = "accept", _("Accepted for handling")
    REPLY = "reply", _("Replied")
    CLOSE = "close", _("Closed")
    SUSPEND = "suspend", _("Suspended")
    RESUME = "resume", _("Resumed")
    RETURN = "return", _("Returned to the recorder")
    RESUBMIT = "resubmit", _("Resubmitted")
    TRANSFER = "transfer", _("Transferred")
    REASSIGN = "reassign", _("Reassigned by the city")
    RATE = "rate", _("Satisfaction recorded")
    REOPEN = "reopen", _("Reopened")


class Stage(models.TextChoices):
    ACCEPT = "accept", _("Acceptance")
    REPLY = "reply", _("First reply")
    CLOSE = "close", _("Closing")


class NoticeKind(models.TextChoices):
    DUE = "due", _("Due soon")
    OVERDUE = "overdue", _("Overdue (escalated)")

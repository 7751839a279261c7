"""Choices and action names of the responsibility matrix."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Actions on progress reports beyond ``core.scoping.VIEW``/``CHANGE`` (``for_user(user, action)``).
STATUS = "status"  # see that a report exists and its status (the matrix), not its contents
REVIEW = "review"  # accept or return a submitted report (lead unit; city operators for consolidated reports)


class TaskKind(models.TextChoices):
    TASK = "task", _("Key task")
    SAFEGUARD = "safeguard", _("Organisational safeguard")


class ReportKind(models.TextChoices):
    UNIT = "unit", _("Unit report")
    CONSOLIDATED = "consolidated", _("Consolidated report of the lead unit")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


EDITABLE_STATUSES = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})


class CellStatus(models.TextChoices):
    """What a matrix cell shows for one unit, one task and one period."""

    PENDING = "pending", _("Not yet due")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    LATE = "late", _("Submitted late")
    MISSING = "missing", _("Missing (overdue)")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


CELL_BADGES = {
    CellStatus.PENDING: "text-bg-light",
    CellStatus.DRAFT: "text-bg-secondary",
    CellStatus.SUBMITTED: "text-bg-primary",
    CellStatus.LATE: "text-bg-warning",
    CellStatus.MISSING: "text-bg-danger",
    CellStatus.RETURNED: "text-bg-info",
    CellStatus.ACCEPTED: "text-bg-success",
}


class AttachmentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", _("Excel workbook (.xlsx)")
    DOCX = "docx", _("Word document (.docx)")
    PNG = "png", _("PNG image")
    JPEG = "jpeg", _("JPEG image")


class ReminderKind(models.TextChoices):
    MANUAL = "manual", _("Sent by the city")
    AUTOMATIC = "automatic", _("Automatic (overdue)")

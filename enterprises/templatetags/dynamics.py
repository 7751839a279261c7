"""Badges for pre-check results and reserve-entry statuses."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from enterprises.dynamics.choices import ReserveStatus, ReviewOutcome

register = template.Library()

_STATUS = {
    "met": ("text-bg-success", "bi-check-circle", lambda: _("Met")),
    "missed": ("text-bg-danger", "bi-x-circle", lambda: _("Missed")),
    "unknown": ("text-bg-secondary", "bi-question-circle", lambda: _("Unknown")),
    "eligible": ("text-bg-success", "bi-check-circle", lambda: _("Eligible")),
    "not_eligible": ("text-bg-danger", "bi-x-circle", lambda: _("Not eligible")),
}
_RESERVE = {
    ReserveStatus.RECOMMENDED: "text-bg-info",
    ReserveStatus.APPLIED: "text-bg-primary",
    ReserveStatus.RECOGNISED: "text-bg-success",
    ReserveStatus.NOT_RECOGNISED: "text-bg-danger",
    ReserveStatus.WITHDRAWN: "text-bg-light",
}
_OUTCOME = {
    ReviewOutcome.PENDING: "text-bg-warning",
    ReviewOutcome.PASSED: "text-bg-success",
    ReviewOutcome.FAILED: "text-bg-danger",
    ReviewOutcome.CANCELLED: "text-bg-light",
}


@register.simple_tag
def check_badge(status: str, overall: bool = False):
    """A met / missed / unknown badge, or for an overall result eligible / not eligible / undetermined."""
    css, icon, label = _STATUS.get(status, _STATUS["unknown"])
    text = _("Undetermined") if overall and status == "unknown" else label()
    return format_html(
        '<span class="badge {}" data-status="{}"><i class="bi {}"></i> {}</span>', css, status, icon, text
    )


@register.simple_tag
def reserve_badge(entry):
    return format_html(
        '<span class="badge {}">{}</span>', _RESERVE.get(entry.status, "text-bg-light"), entry.get_status_display()
    )


@register.simple_tag
def outcome_badge(review):
    return format_html(
        '<span class="badge {}">{}</span>', _OUTCOME.get(review.outcome, "text-bg-light"), review.get_outcome_display()
    )

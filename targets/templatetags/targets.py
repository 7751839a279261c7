"""Formatting of indicator values and progress on the dashboards."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

STATUS_CLASSES = {
    "achieved": "primary",
    "on_track": "success",
    "behind": "warning",
    "at_risk": "danger",
    "no_data": "secondary",
}


@register.filter
def fmt(value, decimals=0):
    """A value with the indicator's number of decimals and thousands separators; — when empty."""
    if value is None or value == "":
        return "—"
    decimals = int(decimals or 0)
    quantum = Decimal(1).scaleb(-decimals)
    number = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    return intcomma(f"{number:.{decimals}f}", use_l10n=False)


@register.filter
def pct(share):
    """A fraction (0.42) as a percentage with one decimal (42.0%)."""
    if share is None or share == "":
        return "—"
    return f"{(Decimal(share) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@register.filter
def bar(share):
    """A fraction as a whole percentage between 0 and 100, for <progress> elements."""
    if share is None or share == "":
        return 0
    return max(0, min(100, int(Decimal(share) * 100)))


@register.filter
def status_class(status):
    return STATUS_CLASSES.get(status, "secondary")

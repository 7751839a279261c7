"""Template helpers used across the portal."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import masking

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (pagination, sorting, exports)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def query_with(context, key, value):
    """The current query string with the parameter ``key`` (a name held in a variable) set to ``value``."""
    query = context["request"].GET.copy()
    query[key] = value
    return query.urlencode()


@register.simple_tag
def page_numbers(page_obj):
    """The numbered pages around the current one: 1 … 4 5 [6] 7 8 … 20 (``None`` for a gap)."""
    ellipsis = page_obj.paginator.ELLIPSIS
    return [
        None if n == ellipsis else n
        for n in page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    ]


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value)


@register.filter
def mask_name(value: str) -> str:
    return masking.mask_name(value)


@register.simple_tag
def tier_badge(tier):
    if not getattr(tier, "code", None):
        return format_html('<span class="badge tier-badge-none">{}</span>', _("No valid title"))
    return format_html('<span class="badge tier-badge-{}">{}</span>', tier.code, tier.short_name)

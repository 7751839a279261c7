"""Template helpers used across the portal."""
from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

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


@register.filter
def mask_phone(value: str) -> str:
    """138****5678 / 0750-****456: personal data is masked wherever it is listed."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) >= 11 else value[:3] + "****" + value[-3:]


@register.filter
def mask_name(value: str) -> str:
    """张** : the family name stays, the rest is masked."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


@register.simple_tag
def tier_badge(tier):
    if not getattr(tier, "code", None):
        return format_html('<span class="badge tier-badge-none">{}</span>', _("No valid title"))
    return format_html('<span class="badge tier-badge-{}">{}</span>', tier.code, tier.short_name)

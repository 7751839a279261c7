"""``{% support_panel enterprise %}``: the enterprise detail page's commissioner, visits and requests
(a template hook, so that ``enterprises`` imports nothing of this app)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("support/_enterprise_panel.html", takes_context=True)
def support_panel(context: dict[str, Any], enterprise: Any) -> dict[str, Any]:
    from support.views import enterprise_panel

    return enterprise_panel(context["request"].user, enterprise)


@register.inclusion_tag("support/_bulk_assign_link.html", takes_context=True)
def support_bulk_assign_link(context: dict[str, Any]) -> dict[str, Any]:
    """The enterprise list's button: assign one commissioner to the rows its filters select."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    return {"query": params.urlencode()}

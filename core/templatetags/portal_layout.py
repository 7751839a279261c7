"""Portal-wide template tags: ``{% capture %}`` and the server-rendered breadcrumb trail."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.breadcrumbs import Crumb, trail

register = template.Library()


class CaptureNode(template.Node):
    child_nodelists = ("nodelist",)  # blocks inside still take the child template's content

    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> str:
        # template output is escaped already: kept safe so that it is not escaped twice
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser: template.base.Parser, token: template.base.Token) -> CaptureNode:
    """``{% capture as name %}…{% endcapture %}``: render the enclosed template once into ``name``
    (the page title is shown in ``<title>`` and as the last breadcrumb)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def breadcrumb_trail(context: template.Context, nav_html: str, title: str) -> list[Crumb]:
    """The crumbs of the current page from the rendered navigation (see ``core.breadcrumbs``)."""
    request = context.get("request")
    if request is None:
        return []
    return trail(nav_html, request.path, title, home_url=reverse("home"), home_label=_("Home"))

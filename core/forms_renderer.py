"""The portal's form renderer (``settings.FORM_RENDERER``): Django's, with the select box written in
Python.

Django renders a ``<select>`` through a template and each of its ``<option>`` through an included
template of its own, every one with a template context of its own. The filter bars of the lists
carry about 170 options (industries, counties, tiers, tags): at 100,000 enterprises that rendering
was most of the enterprise list's time outside the database (≈ 35 ms of 55), and its template
contexts, which hold reference cycles, were most of the 8,000 objects a request left for the
garbage collector's full passes (``tests/benchmarks/bench_pages.py``). This renderer writes the
very markup of Django's ``select.html`` and ``select_option.html`` (``tests/core/test_forms_renderer.py``
compares the two, character for character, on every select of the portal's forms and filter
sets) and leaves every other template, and any select whose options use another template, to
Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # (missing from django-stubs)

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value: Any) -> str:
    """A value as ``{{ value }}`` prints it: localised, then escaped unless already safe."""
    return str(conditional_escape(localize(template_localtime(value))))


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``str()`` (safe stays safe), then escaped unless safe."""
    text = value if isinstance(value, SafeString) else str(value)
    return str(conditional_escape(text))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: ``False`` leaves the attribute out, ``True`` writes its
    bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def render_select(widget: Mapping[str, Any]) -> str | None:
    """The markup of ``select.html`` for a widget context, or None when an option has its own template."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts).strip()  # as Django's renderer strips a template's output


class PortalFormRenderer(DjangoTemplates):
    """Django's default renderer, except for the plain select box (see the module)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = render_select(context["widget"])
            if html is not None:
                return mark_safe(html)
        return super().render(template_name, context, request)

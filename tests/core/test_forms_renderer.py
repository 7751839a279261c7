"""The select box written in Python (core.forms_renderer) is Django's template output, character
for character: on hand-made widgets with every kind of value, and on every select of the portal's
forms and filter sets, compared with Django's own renderer on the same bound field."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.filters import PortalFilterSet
from core.forms_renderer import PortalFormRenderer, render_select

DJANGO = DjangoTemplates()
PORTAL = PortalFormRenderer()


def both(widget: forms.Widget, value, attrs=None, name="field") -> tuple[str, str]:
    return (
        str(widget.render(name, value, attrs=attrs, renderer=DJANGO)),
        str(widget.render(name, value, attrs=attrs, renderer=PORTAL)),
    )


CHOICES = [
    ("", "---------"),
    ("a&b", 'A & B <"quoted">'),
    (3, 2024),  # an integer label is localised as a template prints it
    ("lazy", gettext_lazy("Name")),
    ("safe", mark_safe("<b>bold</b>")),
    ("中文", "台山市"),
    ("Group", [("g1", "One"), ("g2", "Two")]),
    (dt.date(2026, 1, 2), dt.date(2026, 1, 2)),
]


@pytest.mark.parametrize(
    "widget, value",
    [
        (forms.Select(choices=CHOICES), "a&b"),
        (forms.Select(choices=CHOICES), "g2"),
        (forms.Select(choices=CHOICES), None),
        (forms.Select(choices=CHOICES, attrs={"class": "form-select", "data-x": 'a"b<c>', "required": True}), 3),
        (forms.Select(choices=CHOICES, attrs={"disabled": False, "aria-label": gettext_lazy("County"), "n": 0}), ""),
        (forms.SelectMultiple(choices=CHOICES), ["a&b", "g1", "中文"]),
        (forms.NullBooleanSelect(), True),
        (forms.NullBooleanSelect(), None),
        (forms.Select(choices=[]), None),
    ],
)
def test_select_markup_is_djangos(widget, value):
    expected, fast = both(widget, value, attrs={"id": "id_field"})
    assert fast == expected


def test_a_select_whose_options_have_their_own_template_is_left_to_django():
    class IconSelect(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = IconSelect(choices=[("a", "A")])
    context = widget.get_context("f", "a", {})
    assert render_select(context["widget"]) is None
    expected, fast = both(widget, "a")
    assert fast == expected and "<input" in fast


def _portal_classes(base: type) -> list[type]:
    """Every subclass of ``base`` defined in the portal's own apps (their forms and filter modules imported)."""
    ours = [config for config in apps.get_app_configs() if Path(config.path).is_relative_to(settings.BASE_DIR)]
    for config in ours:
        for module in ("forms", "filtersets", "filters", "api"):
            if importlib.util.find_spec(f"{config.name}.{module}") is not None:
                importlib.import_module(f"{config.name}.{module}")
    packages = {config.name.split(".")[0] for config in ours}
    found, todo = [], [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in packages:
                found.append(sub)
    return found


@pytest.mark.django_db
def test_every_select_of_the_portals_filter_sets_is_djangos():
    compared = 0
    for filterset_class in _portal_classes(PortalFilterSet):
        if filterset_class._meta.model is None:
            continue  # an abstract base
        form = filterset_class({}).form
        for bound in form:
            if isinstance(bound.field.widget, forms.Select):
                expected, fast = both(bound.field.widget, None, attrs={"id": bound.auto_id}, name=bound.html_name)
                assert fast == expected, (filterset_class.__name__, bound.name)
                compared += 1
    assert compared >= 30  # the lists' filter bars: counties, tiers, industries, tags, statuses, …


@pytest.mark.django_db
def test_every_select_of_the_portals_forms_is_djangos():
    compared = 0
    for form_class in _portal_classes(forms.BaseForm):
        meta = getattr(form_class, "_meta", None)
        if issubclass(form_class, forms.BaseModelForm) and getattr(meta, "model", None) is None:
            continue  # an abstract base
        try:
            fields = form_class().fields
        except TypeError:  # needs arguments (a user, an enterprise): its declared fields are compared
            fields = form_class.base_fields
        for name, field in fields.items():
            if isinstance(field.widget, forms.Select):
                initial = field.initial() if callable(field.initial) else field.initial
                expected, fast = both(field.widget, initial, attrs={"id": f"id_{name}"}, name=name)
                assert fast == expected, (form_class.__name__, name)
                compared += 1
    assert compared >= 10

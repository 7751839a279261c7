"""Search forms for the audit trail and the account list."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import IPAddressFilter, PortalFilterSet

from . import audit
from .choices import AuditAction, AuditCategory, Role
from .models import AuditLog, User


class _DateInput(forms.DateInput):
    input_type = "date"


class AuditLogFilterSet(PortalFilterSet):
    q = django_filters.CharFilter(label=_("Text"), method="filter_q")
    user = django_filters.CharFilter(label=_("Username"), field_name="actor_username", lookup_expr="iexact")
    category = django_filters.ChoiceFilter(label=_("Category"), choices=AuditCategory.choices)
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices)
    object_type = django_filters.CharFilter(label=_("Object type"), method="filter_object")
    object_id = django_filters.CharFilter(label=_("Object id"), method="filter_object")
    ip = IPAddressFilter(label=_("IP address"), field_name="ip")
    county = django_filters.CharFilter(label=_("County code"), field_name="county_code")
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="timestamp", lookup_expr="date__gte", widget=_DateInput
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="timestamp", lookup_expr="date__lte", widget=_DateInput
    )

    class Meta:
        model = AuditLog
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def filter_object(self, queryset, name, value):
        """Type and id together find the object's own entries and the seals of the bulk writes
        (imports) that changed it."""
        object_type = self.form.cleaned_data.get("object_type")
        if name == "object_id":
            return queryset if object_type else queryset.filter(object_id=value)
        return queryset.filter(audit.entries_about(value, self.form.cleaned_data.get("object_id") or ""))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(object_repr__icontains=value) | Q(message__icontains=value) | Q(request_id=value))


class UserFilterSet(PortalFilterSet):
    q = django_filters.CharFilter(label=_("Username or name"), method="filter_q")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)
    is_active = django_filters.BooleanFilter(
        label=_("Active"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Active only")), ("false", _("Disabled only"))]),
    )

    class Meta:
        model = User
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))

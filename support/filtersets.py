"""The request list's filters (pages and API share them)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Place
from core.filters import BooleanFilter, PortalFilterSet

from .choices import RequestStatus
from .models import EnterpriseRequest, RequestCategory
from .selectors import overdue_q


class RequestFilterSet(PortalFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=RequestCategory.objects.all(), to_field_name="code"
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Handling department"), queryset=Department.objects.all(), to_field_name="code"
    )
    county = django_filters.ModelChoiceFilter(
        label=_("County"), queryset=Place.objects.filter(level="county"), to_field_name="code"
    )
    overdue = BooleanFilter(label=_("Overdue only"), method="filter_overdue")
    received_from = django_filters.DateFilter(label=_("Received from"), field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(label=_("Received until"), field_name="received_on", lookup_expr="lte")

    class Meta:
        model = EnterpriseRequest
        fields: list[str] = []

    def filter_overdue(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        q = overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

"""The policy list's filters (page and, later, API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.filters import PortalFilterSet

from .models import Policy, SupportType


class PolicyFilterSet(PortalFilterSet):
    CURRENT, EXPIRED = "current", "expired"

    q = django_filters.CharFilter(label=_("Search"), method="search")
    support_type = django_filters.ModelChoiceFilter(
        label=_("Support type"), queryset=SupportType.objects.all(), to_field_name="code"
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Issuing or implementing unit"), queryset=Department.objects.all(), to_field_name="code", method="unit"
    )
    validity = django_filters.ChoiceFilter(
        label=_("Validity"),
        choices=[(CURRENT, _("In force or upcoming")), (EXPIRED, _("Expired (history)"))],
        method="by_validity",
    )

    class Meta:
        model = Policy
        fields = ["q", "support_type", "department", "validity"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(document_no__icontains=value)) if value else queryset

    def unit(self, queryset, name, value):
        return queryset.filter(Q(issuing_department=value) | Q(implementing_department=value)) if value else queryset

    def by_validity(self, queryset, name, value):
        today = timezone.localdate()
        if value == self.EXPIRED:
            return queryset.filter(valid_to__lt=today)
        if value == self.CURRENT:
            return queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        return queryset

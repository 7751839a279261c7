"""Policy API (read-only for every key): the policy library with its conditions, and the support
ledger within the client's scope (a county-limited key: its county's enterprises). Grants are
written in the web UI (department users and the push's grant step)."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from core.api import ScopedReadOnlyViewSet
from core.filters import IsoDateTimeFilter, PortalFilterSet
from policies.models import Policy, PolicyCondition, SupportGrant

from .serializers import PolicySerializer, SupportGrantSerializer

TAG = _("Policies and support")


class PolicyApiFilterSet(PortalFilterSet):
    support_type = django_filters.CharFilter(label=_("Support type code"), field_name="support_type__code")
    department = django_filters.CharFilter(label=_("Issuing department code"), field_name="issuing_department__code")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Policy
        fields = ["support_type", "department", "updated_since"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List policies"),
        tags=[TAG],
        description=_("The policy library, expired policies included, with their eligibility conditions."),
    ),
    retrieve=extend_schema(summary=_("Read one policy"), tags=[TAG]),
)
class PolicyViewSet(ScopedReadOnlyViewSet):
    model = Policy  # Policy.objects.for_user: every business reader reads every policy
    serializer_class = PolicySerializer
    filterset_class = PolicyApiFilterSet
    select_related = ["issuing_department", "implementing_department", "support_type"]
    prefetch_related = [
        "tasks",
        Prefetch("conditions", queryset=PolicyCondition.objects.select_related("tier", "county", "industry", "tag")),
    ]
    ordering_fields = ["id", "valid_from", "updated_at"]
    ordering = ["pk"]


class SupportGrantFilterSet(PortalFilterSet):
    department = django_filters.CharFilter(label=_("Granting department code"), field_name="department__code")
    support_type = django_filters.CharFilter(label=_("Support type code"), field_name="support_type__code")
    county = django_filters.CharFilter(label=_("County code"), field_name="enterprise__county__code")
    granted_from = django_filters.DateFilter(label=_("Granted on or after"), field_name="granted_on", lookup_expr="gte")
    granted_to = django_filters.DateFilter(label=_("Granted on or before"), field_name="granted_on", lookup_expr="lte")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SupportGrant
        fields = ["department", "support_type", "county", "granted_from", "granted_to", "updated_since"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List the support ledger"),
        tags=[TAG],
        description=_("Every support an enterprise received (amounts in 10k yuan) within the client's scope."),
    ),
    retrieve=extend_schema(summary=_("Read one support record"), tags=[TAG]),
)
class SupportGrantViewSet(ScopedReadOnlyViewSet):
    model = SupportGrant
    serializer_class = SupportGrantSerializer
    filterset_class = SupportGrantFilterSet
    select_related = ["enterprise", "department", "support_type"]
    ordering_fields = ["id", "granted_on", "updated_at"]
    ordering = ["pk"]

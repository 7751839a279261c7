"""Policy API: the policy library with its conditions and, per policy, the enterprises that meet it,
miss one condition or lack data (read, every key; match lists hold the enterprises the key reads),
and the support ledger within the client's scope (a county-limited key: its county's enterprises).
A department's key with writes records its own unit's grants (``POST /api/v1/support-grants/``,
idempotent on ``external_id``); grants are also written in the web UI and by the push's grant step."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, pagination, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Department
from core.api import ScopedReadOnlyViewSet
from core.api_security import PortalPagination, ScopedPermission
from core.filters import IsoDateTimeFilter, PortalFilterSet
from core.scoping import scope_for
from enterprises.models import Enterprise
from policies import selectors, services
from policies.choices import MatchStatus
from policies.models import Policy, PolicyCondition, SupportGrant, SupportType, is_department_user

from .serializers import (
    PolicyMatchPageSerializer,
    PolicySerializer,
    SupportGrantCreateSerializer,
    SupportGrantSerializer,
)

TAG = _("Policies and support")


class PolicyApiFilterSet(PortalFilterSet):
    support_type = django_filters.CharFilter(label=_("Support type code"), field_name="support_type__code")
    department = django_filters.CharFilter(label=_("Issuing department code"), field_name="issuing_department__code")
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Policy
        fields = ["support_type", "department", "updated_since"]


class MatchPagination(PortalPagination):
    """Page numbers only: a match list is computed for the day, it has no key to page by."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self.cursor = None
        return pagination.PageNumberPagination.paginate_queryset(self, queryset, request, view)


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
        "attachments",
    ]
    ordering_fields = ["id", "valid_from", "updated_at"]
    ordering = ["pk"]

    @extend_schema(
        summary=_("Enterprises matched against a policy"),
        tags=[TAG],
        description=_(
            "Today's match of the operating enterprises the key reads: those that meet every condition, "
            "miss exactly one, or lack the data to tell; by name, 100 a page."
        ),
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=MatchStatus.values,
                description=_("met, missed_one or unknown (default: met)."),
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description=_("Page number (from 1).")),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description=_("Rows per page (default 100, at most 1000).")
            ),
        ],
        filters=False,
        responses={200: PolicyMatchPageSerializer},
    )
    @action(detail=True, methods=["get"], url_path="matches", pagination_class=MatchPagination, filterset_class=None)
    def matches(self, request: Request, pk: Any = None, format: str | None = None) -> Response:
        policy = self.get_object()
        wanted = request.query_params.get("status") or MatchStatus.MET.value
        if wanted not in MatchStatus.values:
            raise exceptions.ValidationError({"status": [gettext("Choose met, missed_one or unknown.")]})
        rows = selectors.policy_matches(request.user, policy, timezone.localdate(), wanted)
        paginator = self.paginator
        assert paginator is not None
        page: list[Any] | None = paginator.paginate_queryset(rows, request, view=self)  # type: ignore[arg-type]  # a list pages too
        assert page is not None  # MatchPagination always paginates
        known = {
            pk: (code, county)
            for pk, code, county in Enterprise.objects.filter(pk__in=[r[0] for r in page]).values_list(
                "pk", "credit_code", "county__code"
            )
        }
        return self.get_paginated_response(
            [
                {
                    "enterprise": r[0],
                    "credit_code": known.get(r[0], ("", ""))[0],
                    "name": r[1],
                    "county": known.get(r[0], ("", ""))[1],
                    "status": r[3],
                }
                for r in page
            ]
        )


class GrantPermission(ScopedPermission):
    """Reads as every list. A POST only by a department principal: a department's key that may
    write, or a department user's own session; the unit recorded is theirs."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method != "POST":  # reads as every list; other writes: 405 as on every read-only route
            return super().has_permission(request, view)
        user = request.user
        if not (user and user.is_authenticated) or not is_department_user(scope_for(user)):
            return False
        return getattr(request.auth, "can_write", True) is True


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
    create=extend_schema(
        summary=_("Record a grant from a department's system"),
        tags=[TAG],
        description=_(
            "A department's key with writes records a support its unit granted (201). The same external_id "
            "again returns the grant already recorded (200) and changes nothing. Other keys: 403."
        ),
        request=SupportGrantCreateSerializer,
        responses={201: SupportGrantSerializer, 200: SupportGrantSerializer},
    ),
)
class SupportGrantViewSet(ScopedReadOnlyViewSet):
    model = SupportGrant
    serializer_class = SupportGrantSerializer
    filterset_class = SupportGrantFilterSet
    permission_classes = [GrantPermission]
    select_related = ["enterprise", "department", "support_type"]
    ordering_fields = ["id", "granted_on", "updated_at"]
    ordering = ["pk"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = SupportGrantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        department = Department.objects.get(pk=cast(int, scope_for(request.user).department_id))
        enterprise = Enterprise.objects.for_user(request.user).filter(credit_code=values["enterprise"]).first()
        if enterprise is None:
            raise exceptions.ValidationError({"enterprise": [gettext("No enterprise with this credit code.")]})
        policy = None
        if values.get("policy") is not None:
            policy = Policy.objects.filter(pk=values["policy"]).select_related("support_type").first()
            if policy is None:
                raise exceptions.ValidationError({"policy": [gettext("No policy with this id in the library.")]})
        support_type = policy.support_type if policy is not None else None
        if values.get("support_type"):
            support_type = SupportType.objects.filter(code=values["support_type"]).first()
            if support_type is None:
                raise exceptions.ValidationError({"support_type": [gettext("Unknown support type.")]})
        if support_type is None:
            raise exceptions.ValidationError(
                {"support_type": [gettext("Give the support type, or a policy of the library that has one.")]}
            )
        grant = SupportGrant(
            enterprise=enterprise,
            policy=policy,
            policy_text=values.get("policy_text", ""),
            department=department,
            support_type=support_type,
            amount=values["amount"],
            granted_on=values["granted_on"],
            batch=values.get("batch", ""),
            document_no=values.get("document_no", ""),
            external_id=values["external_id"],
        )
        grant, created = services.record_grant(actor=request.user, grant=grant)
        instance = SupportGrant.objects.select_related(*self.select_related).get(pk=grant.pk)
        body = SupportGrantSerializer(instance, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

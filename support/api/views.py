"""Requests API: list and read the requests within the key's scope, create one from the city's
诉求 platform (``POST``, idempotent on ``external_id``), and the figures."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import PortalAutoSchema, ScopedReadOnlyViewSet, ValuesPlan
from core.api_security import ScopedPermission
from core.filters import BooleanFilter, IsoDateTimeFilter, PortalFilterSet
from enterprises.models import Enterprise
from support import selectors, services
from support.choices import RequestSource, RequestStatus
from support.models import EnterpriseRequest, RequestCategory

from .serializers import CoverageSerializer, FiguresSerializer, RequestCreateSerializer, RequestSerializer

TAG_SUPPORT = gettext_lazy("Enterprise requests")


class RequestApiFilterSet(PortalFilterSet):
    """The API's filters: codes as plain strings (an unknown code matches nothing), as in the other APIs."""

    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=RequestStatus.choices)
    category = django_filters.CharFilter(label=gettext_lazy("Request category code."), field_name="category__code")
    department = django_filters.CharFilter(label=gettext_lazy("Department code."), field_name="department__code")
    county = django_filters.CharFilter(label=gettext_lazy("County division code."), field_name="county__code")
    external_id = django_filters.CharFilter(label=gettext_lazy("external id"), field_name="external_id")
    overdue = BooleanFilter(label=gettext_lazy("Overdue only"), method="filter_overdue")
    updated_since = IsoDateTimeFilter(label=gettext_lazy("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = EnterpriseRequest
        fields = ["status", "category", "department", "county", "external_id", "overdue", "updated_since"]

    def filter_overdue(self, queryset: Any, name: str, value: bool) -> Any:
        if value is None:
            return queryset
        q = selectors.overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("List enterprise requests"),
        tags=[TAG_SUPPORT],
        description=gettext_lazy(
            "The requests within the key's scope (a county-limited key: its county's), newest first, with their "
            "status and deadlines in working days."
        ),
    ),
    retrieve=extend_schema(summary=gettext_lazy("Read one enterprise request"), tags=[TAG_SUPPORT]),
    create=extend_schema(
        summary=gettext_lazy("Record a request from the city's request platform"),
        tags=[TAG_SUPPORT],
        description=gettext_lazy(
            "Creates the request routed to its category's lead department (201). The same external_id again "
            "returns the request already recorded (200) and changes nothing."
        ),
        request=RequestCreateSerializer,
        responses={201: RequestSerializer, 200: RequestSerializer},
    ),
)
class RequestViewSet(ScopedReadOnlyViewSet):
    model = EnterpriseRequest
    serializer_class = RequestSerializer
    filterset_class = RequestApiFilterSet
    select_related = ["enterprise", "county", "category", "department"]
    ordering_fields = ["id", "received_on", "updated_at"]
    ordering = ["-received_on", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """As ``ValuesListMixin.list``, but the page is counted and cut on the request table alone
        (the values query joins the enterprise: counting through that join costs a scan more)."""
        queryset = self.filter_queryset(self.get_queryset())
        plan = ValuesPlan.for_serializer(self.get_serializer(), queryset)
        if plan is None:  # pragma: no cover - the serializer's fields are all plain columns
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(queryset.select_related(None).values_list("pk", flat=True))
        assert page is not None  # PortalPagination always paginates
        rows = {row["pk"]: row for row in plan.values(queryset.filter(pk__in=list(page)))}
        return self.get_paginated_response(plan.render([rows[pk] for pk in page if pk in rows]))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enterprise = Enterprise.objects.for_user(request.user).filter(credit_code=values["enterprise"]).first()
        if enterprise is None:
            raise exceptions.ValidationError(
                {"enterprise": [_("No enterprise with this credit code within the key's scope.")]}
            )
        category = RequestCategory.objects.filter(code=values["category"], is_active=True).first()
        if category is None:
            raise exceptions.ValidationError({"category": [_("Unknown request category.")]})
        received_on = values.get("received_on")
        if received_on is not None and received_on > timezone.localdate():
            raise exceptions.ValidationError({"received_on": [_("The day received cannot be in the future.")]})
        instance, created = services.create_request(
            actor=request.user,
            enterprise=enterprise,
            category=category,
            description=values["description"],
            urgency=values["urgency"],
            source=RequestSource.PLATFORM,
            external_id=values["external_id"],
            received_on=received_on,
        )
        instance = self.get_queryset_for_response().get(pk=instance.pk)
        body = RequestSerializer(instance, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def get_queryset_for_response(self) -> Any:
        return EnterpriseRequest.objects.for_user(self.request.user).select_related(*self.select_related)


class SingleObjectSchema(PortalAutoSchema):
    """The figures answer one object (totals and rows), not a list, although the route is a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class RequestFiguresViewSet(viewsets.ViewSet):
    """响应率, 按期办结率, 满意率, average days to close, open and overdue, of the requests within the
    key's scope, for all and per department, county or month."""

    permission_classes = [ScopedPermission]
    schema = SingleObjectSchema()

    @extend_schema(
        summary=gettext_lazy("Request figures"),
        tags=[TAG_SUPPORT],
        parameters=[
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                enum=list(selectors.GROUPS),
                description=gettext_lazy("Group by department, county or month (default: department)."),
            )
        ],
        responses={200: FiguresSerializer},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        by = request.query_params.get("by") or "department"
        if by not in selectors.GROUPS:
            raise exceptions.ValidationError({"by": [_("Choose department, county or month.")]})
        requests = EnterpriseRequest.objects.for_user(request.user)
        today = timezone.localdate()
        total, rows = selectors.figures_with_total(requests, by=by, today=today)

        def row(r: selectors.FigureRow) -> dict[str, Any]:
            key = r.key.isoformat()[:7] if by == "month" and r.key is not None else r.key
            return {
                "key": str(key) if key is not None else None,
                "name": r.label,
                "total": r.total,
                "response_rate": r.response_rate,
                "on_time_close_rate": r.on_time_close_rate,
                "satisfaction_rate": r.satisfaction_rate,
                "avg_days_to_close": r.avg_days_to_close,
                "open": r.open,
                "overdue": r.overdue,
            }

        return Response({"total": row(total), "rows": [row(r) for r in rows]})


class CoverageViewSet(viewsets.ViewSet):
    """Commissioner and visit coverage of the provincial-and-above SRDI enterprises and of the
    reserve pool within the key's scope, for all and per county (``selectors.coverage``)."""

    permission_classes = [ScopedPermission]
    schema = SingleObjectSchema()

    @extend_schema(
        summary=gettext_lazy("Commissioner coverage"),
        tags=[TAG_SUPPORT],
        description=gettext_lazy(
            "Of the enterprises holding a valid provincial-or-higher SRDI title today: how many have a current "
            "service commissioner, were visited in the current quarter, were never visited; of the reserve pool "
            "(recommended or applying), how many have a commissioner. Shares in percent, null when there is "
            "nothing to count. A county-limited key reads its county only."
        ),
        responses={200: CoverageSerializer},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        today = timezone.localdate()
        total, rows = selectors.coverage(request.user, today=today)

        def row(r: selectors.CoverageRow) -> dict[str, Any]:
            return {
                "county": r.code or None,
                "name": r.label,
                "srdi": r.srdi,
                "srdi_with_commissioner": r.srdi_with_commissioner,
                "srdi_commissioner_share": r.srdi_commissioner_share,
                "srdi_visited_this_quarter": r.srdi_visited_this_quarter,
                "srdi_visited_share": r.srdi_visited_share,
                "srdi_never_visited": r.srdi_never_visited,
                "reserve": r.reserve,
                "reserve_with_commissioner": r.reserve_with_commissioner,
                "reserve_commissioner_share": r.reserve_commissioner_share,
            }

        return Response({"as_of": today.isoformat(), "total": row(total), "rows": [row(r) for r in rows]})

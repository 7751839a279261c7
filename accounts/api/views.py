"""Read-only organisation endpoints: places (GB/T 2260) and departments."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from accounts.models import Department, Place
from core.api import ScopedReadOnlyViewSet
from core.filters import PortalFilterSet

from .serializers import DepartmentSerializer, PlaceSerializer


class PlaceFilterSet(PortalFilterSet):
    level = django_filters.CharFilter(label=_("Level (province, city, county)"))
    parent = django_filters.CharFilter(label=_("Parent division code"), field_name="parent__code")

    class Meta:
        model = Place
        fields = ["level", "parent"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List places"),
        description=_("Administrative divisions (GB/T 2260): province, city and counties."),
        tags=[_("Organisation")],
    ),
    retrieve=extend_schema(summary=_("Read one place"), tags=[_("Organisation")]),
)
class PlaceViewSet(ScopedReadOnlyViewSet):
    model = Place
    scoped = False
    serializer_class = PlaceSerializer
    select_related = ["parent"]
    filterset_class = PlaceFilterSet
    ordering_fields = ["code", "sort_order", "name"]
    ordering = ["sort_order", "code"]


class DepartmentFilterSet(PortalFilterSet):
    class Meta:
        model = Department
        fields = ["is_active"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List departments"), description=_("Units named by the action plan."), tags=[_("Organisation")]
    ),
    retrieve=extend_schema(summary=_("Read one department"), tags=[_("Organisation")]),
)
class DepartmentViewSet(ScopedReadOnlyViewSet):
    model = Department
    scoped = False
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet
    ordering_fields = ["code", "sort_order", "name"]
    ordering = ["sort_order", "code"]

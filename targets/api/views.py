"""Goals API (read-only; targets are edited in the web UI): indicators with their latest progress,
and the stored progress values by date (history), both within the client's county scope.

Scoping of progress values follows ``SnapshotValue.objects.for_user``: a city-wide key reads the
city rows and every county's; a county-limited key reads only its county's rows, not the city
totals (as the web dashboard shows a county official)."""

from __future__ import annotations

import django_filters
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from core.api import ScopedReadOnlyViewSet
from core.filters import BooleanFilter, PortalFilterSet
from core.scoping import VIEW
from targets.models import Indicator, Milestone, Snapshot, SnapshotValue

from .serializers import IndicatorSerializer, ProgressValueSerializer

TAG_GOALS = _("Goals and progress")


class IndicatorFilterSet(PortalFilterSet):
    code = django_filters.CharFilter(label=_("Indicator code"), field_name="code")
    is_active = BooleanFilter(label=_("Active"))
    lead_department = django_filters.CharFilter(label=_("Lead department code"), field_name="lead_department__code")

    class Meta:
        model = Indicator
        fields = ["code", "is_active", "lead_department"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List indicators"),
        tags=[TAG_GOALS],
        description=_(
            "The plan's goal indicators with baseline, target and milestones, and the latest progress: the city and "
            "each county within the client's scope (a county-limited client sees only its county, not the city)."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one indicator"), tags=[TAG_GOALS]),
)
class IndicatorViewSet(ScopedReadOnlyViewSet):
    model = Indicator
    scoped = False  # city-wide reference rows; their progress values are scoped (see latest_values)
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet
    select_related = ["lead_department"]
    prefetch_related = [Prefetch("milestones", queryset=Milestone.objects.order_by("year"))]
    ordering_fields = ["code", "sort_order"]
    ordering = ["sort_order", "code"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        if not hasattr(self, "_latest"):  # once per request (list builds its serializer twice)
            self._latest = self.latest_values()
        context["latest"] = self._latest
        return context

    def latest_values(self) -> dict:
        """``{plan id: (latest snapshot, {indicator id: [values]})}`` in two queries: the latest
        snapshot of each plan, and all their values the client may read."""
        newest = Snapshot.objects.filter(plan_id=OuterRef("plan_id")).order_by("-as_of", "-computed_at", "-pk")
        latest = {s.plan_id: s for s in Snapshot.objects.filter(pk=Subquery(newest.values("pk")[:1]))}
        out = {plan_id: (snapshot, {}) for plan_id, snapshot in latest.items()}
        if not latest:
            return out
        values = (
            SnapshotValue.objects.for_user(self.request.user, VIEW)
            .filter(snapshot__in=[s.pk for s in latest.values()])
            .select_related("county")
            .order_by("county__sort_order", "county__code")
        )
        by_snapshot = {s.pk: s.plan_id for s in latest.values()}
        for value in values:
            out[by_snapshot[value.snapshot_id]][1].setdefault(value.indicator_id, []).append(value)
        return out


class ProgressFilterSet(PortalFilterSet):
    indicator = django_filters.CharFilter(label=_("Indicator code"), field_name="indicator__code")
    county = django_filters.CharFilter(
        label=_("County code, or 'city' for the city as a whole"), method="filter_county"
    )
    as_of_from = django_filters.DateFilter(label=_("As of, from"), field_name="snapshot__as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(label=_("As of, until"), field_name="snapshot__as_of", lookup_expr="lte")
    status = django_filters.CharFilter(label=_("Status"), field_name="status")

    class Meta:
        model = SnapshotValue
        fields = ["indicator", "county", "as_of_from", "as_of_to", "status"]

    def filter_county(self, queryset, name: str, value: str):
        if value == "city":
            return queryset.filter(county__isnull=True)
        return queryset.filter(county__code=value)


@extend_schema_view(
    list=extend_schema(
        summary=_("List progress values"),
        tags=[TAG_GOALS],
        description=_(
            "The stored progress snapshots (historical progress): one row per indicator, date and unit (the city or "
            "a county), oldest first. Filter by indicator code, county code and date range."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one progress value"), tags=[TAG_GOALS]),
)
class ProgressValueViewSet(ScopedReadOnlyViewSet):
    model = SnapshotValue
    serializer_class = ProgressValueSerializer
    filterset_class = ProgressFilterSet
    select_related = ["indicator", "county", "snapshot"]
    ordering_fields = ["id"]

    def decorate_queryset(self, queryset):
        return queryset.order_by(
            "snapshot__as_of", "indicator__sort_order", "indicator__code", "county__sort_order", "pk"
        )

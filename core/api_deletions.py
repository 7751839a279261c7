"""``/api/v1/deletions/``: the tombstones of deleted records (``core.models.DeletedRecord``), the
other half of incremental synchronisation next to ``updated_since``: a client asks for the
deletions since its last run and removes those records on its side. County keys see only their
county's tombstones (``for_user``, as every list)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from .api import ScopedViewSetMixin, ValuesListMixin
from .filters import IsoDateTimeFilter, PortalFilterBackend, PortalFilterSet
from .models import DeletedRecord


class DeletedRecordSerializer(serializers.ModelSerializer[DeletedRecord]):
    county: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        label=_("county"),
        help_text=_("County division code; empty for city-wide records."),
    )

    class Meta:
        model = DeletedRecord
        fields = ["id", "model", "object_id", "county", "deleted_at"]


class DeletedRecordFilterSet(PortalFilterSet):
    since = IsoDateTimeFilter(
        label=_("Deleted since"),
        field_name="deleted_at",
        lookup_expr="gte",
        help_text=_("ISO 8601 time: only records deleted at or after it (the start of the last synchronisation)."),
    )
    model = django_filters.CharFilter(
        label=_("record type"),
        field_name="model",
        lookup_expr="exact",
        help_text=_("App label and model name, e.g. enterprises.title."),
    )

    class Meta:
        model = DeletedRecord
        fields = ["since", "model"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List deleted records"),
        tags=[_("Synchronisation")],  # type: ignore[list-item]  # a lazy translation, as in every API module
        description=_(
            "Records deleted through the portal or the API (record type and id), oldest first. An "
            "incremental synchronisation reads the rows changed since its last run with updated_since "
            "on each list and the deletions since then here, with the same time."
        ),
    )
)
class DeletedRecordViewSet(
    ScopedViewSetMixin, ValuesListMixin, mixins.ListModelMixin, viewsets.GenericViewSet[DeletedRecord]
):
    model = DeletedRecord
    serializer_class = DeletedRecordSerializer
    filterset_class = DeletedRecordFilterSet
    filter_backends = [PortalFilterBackend]

    def decorate_queryset(self, queryset: Any) -> Any:
        return queryset.order_by("deleted_at", "pk")


def register(router: Any) -> None:
    router.register("deletions", DeletedRecordViewSet, basename="deletion")

"""Read-only API of the listing pipeline: ``/api/v1/listing-pipeline/`` (reserve-list entries with
the stage derived from the listing records, days in stage, venue, sponsor and actions). Scoped like
every API read; a fixed number of queries per page (records and actions prefetched)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from accounts.models import Place
from core.api import ScopedReadOnlyViewSet
from core.filters import (
    IntegerFilter,
    IsoDateTimeFilter,
    PortalFilterBackend,
    PortalFilterSet,
    StrictOrderingFilter,
)

from ..choices import ListingVenue
from ..filtersets import ScopedFilterSetMixin
from .models import ListingAction, ListingReserveEntry
from .pipeline import Step, derive

TAG = _("Listing pipeline")


class PipelineEntryFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    county = django_filters.ModelChoiceFilter(
        label=_("County"),
        queryset=Place.objects.filter(level="county"),
        to_field_name="code",
        field_name="enterprise__county",
    )
    target_venue = django_filters.ChoiceFilter(label=_("Target venue"), choices=ListingVenue.choices)
    target_year = IntegerFilter(label=_("Target year"))
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = ListingReserveEntry
        fields = ["county", "target_venue", "target_year", "updated_since"]


class ActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ListingAction
        fields = ["id", "kind", "date", "description"]


class PipelineEntrySerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    county = serializers.CharField(source="enterprise.county.code", read_only=True)
    stage = serializers.SerializerMethodField(help_text=_("Current stage derived from the listing records"))
    stage_since = serializers.SerializerMethodField()
    days_in_stage = serializers.SerializerMethodField()
    venue = serializers.SerializerMethodField(help_text=_("Venue of the latest listing record"))
    filings = serializers.SerializerMethodField(help_text=_("Filings (a withdrawal ends one)"))
    quoted_on = serializers.SerializerMethodField(help_text=_("Quoted on a regional board on (apart from listing)"))
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = ListingReserveEntry
        fields = [
            "id",
            "enterprise",
            "credit_code",
            "enterprise_name",
            "county",
            "target_venue",
            "target_year",
            "sponsor",
            "entered_on",
            "source",
            "precheck_status",
            "stage",
            "stage_since",
            "days_in_stage",
            "venue",
            "filings",
            "quoted_on",
            "actions",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]

    def _state(self, entry):
        cache = self.context.setdefault("_states", {})
        if entry.pk not in cache:
            steps = [Step(r.stage, r.venue, r.date) for r in entry.enterprise.listing_records.all()]
            cache[entry.pk] = derive(steps, timezone.localdate())
        return cache[entry.pk]

    @extend_schema_field(OpenApiTypes.STR)
    def get_stage(self, entry) -> str:
        return self._state(entry).stage

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_stage_since(self, entry):
        return self._state(entry).since

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_days_in_stage(self, entry):
        return self._state(entry).days_in_stage

    @extend_schema_field(OpenApiTypes.STR)
    def get_venue(self, entry) -> str:
        return self._state(entry).venue or entry.target_venue

    @extend_schema_field(OpenApiTypes.INT)
    def get_filings(self, entry) -> int:
        return self._state(entry).attempts

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_quoted_on(self, entry):
        return self._state(entry).quoted_on


@extend_schema_view(
    list=extend_schema(
        summary=_("List the listing reserve list"),
        tags=[TAG],
        description=_(
            "Enterprises on the listing reserve list within the client's scope, with the stage derived from their "
            "listing records (not_started, tutoring, accepted, approved, registered, listed, withdrawn), the days in "
            "that stage, the venue, the sponsor and the actions taken."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one entry of the listing reserve list"), tags=[TAG]),
)
class PipelineEntryViewSet(ScopedReadOnlyViewSet):
    model = ListingReserveEntry
    serializer_class = PipelineEntrySerializer
    filterset_class = PipelineEntryFilterSet
    filter_backends = [PortalFilterBackend, StrictOrderingFilter]
    select_related = ["enterprise__county"]
    prefetch_related = ["enterprise__listing_records", "actions"]
    ordering_fields = ["id", "target_year", "updated_at"]
    ordering = ["pk"]

    def decorate_queryset(self, queryset):
        return queryset.filter(removed_on__isnull=True)

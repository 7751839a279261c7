"""Enterprise API: enterprises (with the current tier), titles, statistics, R&D institutions and
listing records. Reads go through ``for_user``; writes through ``enterprises.services``."""

from __future__ import annotations

import django_filters
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from core.api import JobReadMixin, ScopedModelViewSet, ScopedReadOnlyViewSet
from core.filters import IsoDateTimeFilter, PortalFilterBackend, PortalFilterSet, StrictOrderingFilter
from core.models import JobStatus
from enterprises import services
from enterprises.filtersets import (
    EnterpriseFilterSet,
    ListingRecordFilterSet,
    RDInstitutionFilterSet,
    StatisticFilterSet,
    TitleFilterSet,
)
from enterprises.models import Enterprise, ImportState, ListingRecord, RDInstitution, Statistic, StatisticImport, Title

from .serializers import (
    EnterpriseSerializer,
    ListingRecordSerializer,
    RDInstitutionSerializer,
    StatisticImportSerializer,
    StatisticSerializer,
    TitleSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=_(
        "ETag of the record as read (or its version number): a write based on an older version is "
        "refused with 412. A 'version' field in the body does the same (409)."
    ),
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=_("ETag from an earlier read: 304 when the record has not changed."),
)
TAG_ENTERPRISES = _("Enterprises")


def crud_schema(*, noun: str, noun_plural: str, list_description: str = "", deletable: bool = True):
    """Chinese summaries for the operations of a write-enabled viewset."""
    views = {
        "list": extend_schema(
            summary=format_lazy(_("List {what}"), what=noun_plural),
            description=list_description,
            tags=[TAG_ENTERPRISES],
        ),
        "retrieve": extend_schema(
            summary=format_lazy(_("Read one {what}"), what=noun), parameters=[IF_NONE_MATCH], tags=[TAG_ENTERPRISES]
        ),
        "create": extend_schema(summary=format_lazy(_("Create {what}"), what=noun), tags=[TAG_ENTERPRISES]),
        "update": extend_schema(
            summary=format_lazy(_("Replace {what}"), what=noun), parameters=[IF_MATCH], tags=[TAG_ENTERPRISES]
        ),
        "partial_update": extend_schema(
            summary=format_lazy(_("Change {what}"), what=noun), parameters=[IF_MATCH], tags=[TAG_ENTERPRISES]
        ),
    }
    if deletable:
        views["destroy"] = extend_schema(
            summary=format_lazy(_("Delete {what}"), what=noun), parameters=[IF_MATCH], tags=[TAG_ENTERPRISES]
        )
    return extend_schema_view(**views)


SYNC_NOTE = _(
    "Filter with updated_since (ISO 8601 time) to fetch only the rows changed since the last synchronisation."
)


@crud_schema(
    noun=_("enterprise"),
    noun_plural=_("enterprises"),
    deletable=False,
    list_description=format_lazy(
        "{} {}",
        _("Enterprises within the client's scope, with the current tier derived from titles valid today."),
        SYNC_NOTE,
    ),
)
class EnterpriseViewSet(ScopedModelViewSet):
    model = Enterprise
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet  # the web list's filterset (ordering included)
    filter_backends = [PortalFilterBackend]
    select_related = ["county", "industry"]
    prefetch_related = ["tags"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]  # no deletion (as on the web)

    def decorate_queryset(self, queryset):
        return queryset.with_current_tier().order_by("pk")

    def perform_save(self, instance, *, m2m, expected_version):
        return services.enterprise_save(
            actor=self.request.user, enterprise=instance, tags=m2m.get("tags"), expected_version=expected_version
        )


class EnterpriseChildViewSet(ScopedModelViewSet):
    select_related = ["enterprise"]
    filter_backends = [PortalFilterBackend, StrictOrderingFilter]
    ordering = ["pk"]

    def perform_remove(self, instance, expected_version):
        services.record_delete(actor=self.request.user, instance=instance, expected_version=expected_version)


@crud_schema(noun=_("title"), noun_plural=_("titles"), list_description=SYNC_NOTE)
class TitleViewSet(EnterpriseChildViewSet):
    model = Title
    serializer_class = TitleSerializer
    filterset_class = TitleFilterSet
    select_related = ["enterprise", "tier"]
    ordering_fields = ["id", "recognised_on", "valid_until", "updated_at"]

    def perform_save(self, instance, *, m2m, expected_version):
        return services.title_save(actor=self.request.user, title=instance, expected_version=expected_version)

    def perform_remove(self, instance, expected_version):
        services.title_delete(actor=self.request.user, title=instance, expected_version=expected_version)


@crud_schema(
    noun=_("quarterly statistics"),
    noun_plural=_("quarterly statistics"),
    list_description=format_lazy(
        "{} {}", _("Year-to-date flow figures in 10,000 yuan; stock figures at quarter end."), SYNC_NOTE
    ),
)
class StatisticViewSet(EnterpriseChildViewSet):
    model = Statistic
    serializer_class = StatisticSerializer
    filterset_class = StatisticFilterSet
    ordering_fields = ["id", "year", "quarter", "updated_at"]

    def perform_save(self, instance, *, m2m, expected_version):
        return services.statistic_save(actor=self.request.user, statistic=instance, expected_version=expected_version)


@crud_schema(noun=_("R&D institution"), noun_plural=_("R&D institutions"), list_description=SYNC_NOTE)
class RDInstitutionViewSet(EnterpriseChildViewSet):
    model = RDInstitution
    serializer_class = RDInstitutionSerializer
    filterset_class = RDInstitutionFilterSet
    select_related = ["enterprise", "level"]
    ordering_fields = ["id", "recognised_year", "updated_at"]

    def perform_save(self, instance, *, m2m, expected_version):
        return services.rd_institution_save(
            actor=self.request.user, institution=instance, expected_version=expected_version
        )


@crud_schema(noun=_("listing record"), noun_plural=_("listing records"), list_description=SYNC_NOTE)
class ListingRecordViewSet(EnterpriseChildViewSet):
    model = ListingRecord
    serializer_class = ListingRecordSerializer
    filterset_class = ListingRecordFilterSet
    ordering_fields = ["id", "date", "updated_at"]

    def perform_save(self, instance, *, m2m, expected_version):
        return services.listing_record_save(actor=self.request.user, record=instance, expected_version=expected_version)


class StatisticImportFilterSet(PortalFilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=ImportState.choices)
    status = django_filters.ChoiceFilter(label=_("Job status"), choices=JobStatus.choices)
    county = django_filters.CharFilter(label=_("County code"), field_name="county__code")
    created_since = IsoDateTimeFilter(label=_("Uploaded since"), field_name="created_at", lookup_expr="gte")

    class Meta:
        model = StatisticImport
        fields = ["state", "status", "county", "created_since"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List statistics imports"),
        tags=[TAG_ENTERPRISES],
        description=_(
            "The status of the statistics workbook imports within the client's scope (a county-limited client: its "
            "county's uploads), newest first. Uploads, confirmation and undo are done in the web UI."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one statistics import"), tags=[TAG_ENTERPRISES]),
)
class StatisticImportViewSet(JobReadMixin, ScopedReadOnlyViewSet):
    model = StatisticImport
    serializer_class = StatisticImportSerializer
    filterset_class = StatisticImportFilterSet
    select_related = ["requested_by", "county"]
    ordering_fields = ["id", "created_at", "finished_at"]
    ordering = ["-created_at", "-id"]

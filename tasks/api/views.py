"""Responsibility-matrix API (read-only; reports are written and reviewed in the web UI): the key
tasks with their units, and the progress reports the client may read
(``ProgressReport.objects.for_user``: a city-wide key reads every report, a county-limited key its
county's reports only)."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from core.api import ScopedReadOnlyViewSet
from core.filters import BooleanFilter, IsoDateTimeFilter, PortalFilterSet
from tasks.choices import ReportKind, ReportStatus
from tasks.models import KeyTask, ProgressReport, TaskUnit

from .serializers import KeyTaskSerializer, ProgressReportSerializer

TAG_TASKS = _("Tasks and progress reports")


class KeyTaskFilterSet(PortalFilterSet):
    code = django_filters.CharFilter(label=_("Task code"), field_name="code")
    department = django_filters.CharFilter(
        label=_("Responsible department code"), field_name="units__department__code", distinct=True
    )
    is_active = BooleanFilter(label=_("Active"))

    class Meta:
        model = KeyTask
        fields = ["code", "department", "is_active"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List key tasks"),
        tags=[TAG_TASKS],
        description=_(
            "The plan's key tasks and safeguards with their measures, responsible units in the plan's order (the first "
            "leads) and the codes of the indicators they serve."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one key task"), tags=[TAG_TASKS]),
)
class KeyTaskViewSet(ScopedReadOnlyViewSet):
    model = KeyTask  # KeyTask.objects.for_user: every business reader reads the plan's tasks
    serializer_class = KeyTaskSerializer
    filterset_class = KeyTaskFilterSet
    prefetch_related = [Prefetch("units", queryset=TaskUnit.objects.select_related("department").order_by("position"))]
    ordering_fields = ["code", "sort_order"]
    ordering = ["sort_order", "code"]


class ProgressReportFilterSet(PortalFilterSet):
    task = django_filters.CharFilter(label=_("Task code"), field_name="task__code")
    period = django_filters.CharFilter(label=_("Reporting period code"), field_name="period__code")
    county = django_filters.CharFilter(label=_("County code"), field_name="county__code")
    department = django_filters.CharFilter(label=_("Department code"), field_name="department__code")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReportStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ReportKind.choices)
    updated_since = IsoDateTimeFilter(label=_("Updated since"), field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = ProgressReport
        fields = ["task", "period", "county", "department", "status", "kind", "updated_since"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List progress reports"),
        tags=[TAG_TASKS],
        description=_(
            "The units' progress reports within the client's scope (a county-limited client: its county's reports). "
            "Filter with updated_since (ISO 8601 time) to fetch only the reports changed since the last "
            "synchronisation."
        ),
    ),
    retrieve=extend_schema(summary=_("Read one progress report"), tags=[TAG_TASKS]),
)
class ProgressReportViewSet(ScopedReadOnlyViewSet):
    model = ProgressReport
    serializer_class = ProgressReportSerializer
    filterset_class = ProgressReportFilterSet
    select_related = ["task", "period", "department", "county"]
    ordering_fields = ["id", "updated_at", "submitted_at"]
    ordering = ["pk"]

"""Serializers of the responsibility-matrix API (read-only): key tasks and progress reports."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tasks.models import KeyTask, ProgressReport, TaskUnit


class TaskUnitSerializer(serializers.ModelSerializer):
    department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("department"), help_text=_("Department code.")
    )
    department_name = serializers.CharField(source="department.name", read_only=True, label=_("department name"))
    is_lead = serializers.BooleanField(
        read_only=True,
        label=_("lead unit"),
        help_text=_("True for the lead unit (牵头单位), the first the plan names."),
    )

    class Meta:
        model = TaskUnit
        fields = ["department", "department_name", "position", "is_lead"]


class KeyTaskSerializer(serializers.ModelSerializer):
    units = TaskUnitSerializer(
        many=True, read_only=True, label=_("responsible units"), help_text=_("In the plan's order; the first leads.")
    )

    class Meta:
        model = KeyTask
        fields = [
            "id",
            "code",
            "number",
            "kind",
            "group_title",
            "title",
            "measures",
            "counties_responsible",
            "units",
            "indicator_codes",
            "is_active",
        ]


class ProgressReportSerializer(serializers.ModelSerializer):
    task: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("task"), help_text=_("Task code.")
    )
    period: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("period"), help_text=_("Reporting period code, e.g. 2024Q1.")
    )
    department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        label=_("department"),
        help_text=_("Code of the reporting department; null for a county's report."),
    )
    county: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        label=_("county"),
        help_text=_("Division code of the reporting county; null for a department's report."),
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "period",
            "kind",
            "department",
            "county",
            "status",
            "progress_percent",
            "summary",
            "figures",
            "problems",
            "next_steps",
            "is_late",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "version",
            "created_at",
            "updated_at",
        ]

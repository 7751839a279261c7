"""Serializers of the goals API (read-only): indicators with their latest progress, and the stored
progress snapshot values (the history)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from targets.choices import ProgressStatus
from targets.models import Indicator, Milestone, SnapshotValue

VALUE: dict[str, Any] = {"max_digits": 18, "decimal_places": 4, "read_only": True, "allow_null": True}


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["year", "value", "note"]


class ProgressFiguresSerializer(serializers.Serializer):
    """One indicator's figures in one snapshot, for the city or one county."""

    county = serializers.CharField(
        allow_null=True, label=_("county"), help_text=_("County division code; null for the city as a whole.")
    )
    value = serializers.DecimalField(**VALUE, label=_("value"))
    baseline = serializers.DecimalField(**VALUE, label=_("baseline"))
    target = serializers.DecimalField(**VALUE, label=_("target"))
    share_done = serializers.DecimalField(
        max_digits=9,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        label=_("share done"),
        help_text=_("Fraction of the target reached (0.5 = 50 %)."),
    )
    share_time = serializers.DecimalField(
        max_digits=9, decimal_places=4, read_only=True, label=_("share of time elapsed")
    )
    status = serializers.ChoiceField(choices=ProgressStatus.choices, read_only=True, label=_("status"))
    period = serializers.CharField(
        read_only=True,
        label=_("quarter compared"),
        help_text=_("Cohort ratios: the scope's latest reported quarter (e.g. 2025Q2)."),
    )
    compared = serializers.IntegerField(read_only=True, allow_null=True, label=_("enterprises compared"))
    left_out = serializers.IntegerField(read_only=True, allow_null=True, label=_("enterprises left out"))


class LatestProgressSerializer(serializers.Serializer):
    as_of = serializers.DateField(label=_("as of"), help_text=_("Date of the latest progress snapshot."))
    computed_at = serializers.DateTimeField(label=_("computed at"))
    city = ProgressFiguresSerializer(
        allow_null=True, label=_("city"), help_text=_("The city as a whole; null for a county-limited client.")
    )
    counties = ProgressFiguresSerializer(
        many=True, label=_("counties"), help_text=_("One entry per county within the client's scope.")
    )


class IndicatorSerializer(serializers.ModelSerializer):
    lead_department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("lead department"), help_text=_("Code of the lead department.")
    )
    milestones = MilestoneSerializer(many=True, read_only=True, label=_("milestones"))
    latest = serializers.SerializerMethodField(
        label=_("latest progress"),
        help_text=_(
            "From the latest progress snapshot: the city and each county within the client's scope; "
            "null before the first snapshot."
        ),
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "definition",
            "unit",
            "kind",
            "direction",
            "completion_rule",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "milestones",
            "lead_department",
            "is_active",
            "latest",
        ]

    @extend_schema_field(LatestProgressSerializer(allow_null=True))
    def get_latest(self, indicator):
        latest = self.context.get("latest")
        if latest is None:
            return None
        snapshot, by_indicator = latest.get(indicator.plan_id, (None, {}))
        if snapshot is None:
            return None
        values = by_indicator.get(indicator.pk, [])
        city = next((v for v in values if v.county_id is None), None)
        return LatestProgressSerializer(
            {
                "as_of": snapshot.as_of,
                "computed_at": snapshot.computed_at,
                "city": _figures(city) if city is not None else None,
                "counties": [_figures(v) for v in values if v.county_id is not None],
            }
        ).data


def _figures(v: SnapshotValue) -> dict:
    return {
        "county": v.county.code if v.county is not None else None,
        "value": v.value,
        "baseline": v.baseline,
        "target": v.target,
        "share_done": v.share_done,
        "share_time": v.share_time,
        "status": v.status,
        "period": v.period,
        "compared": v.compared,
        "left_out": v.left_out,
    }


class ProgressValueSerializer(serializers.ModelSerializer):
    indicator: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("indicator"), help_text=_("Indicator code.")
    )
    county: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        label=_("county"),
        help_text=_("County division code; null for the city as a whole."),
    )
    as_of = serializers.DateField(source="snapshot.as_of", read_only=True, label=_("as of"))
    computed_at = serializers.DateTimeField(source="snapshot.computed_at", read_only=True, label=_("computed at"))

    class Meta:
        model = SnapshotValue
        fields = [
            "id",
            "indicator",
            "county",
            "as_of",
            "computed_at",
            "value",
            "numerator",
            "denominator",
            "baseline",
            "baseline_records",
            "target",
            "share_done",
            "share_time",
            "status",
            "period",
            "compared",
            "left_out",
        ]

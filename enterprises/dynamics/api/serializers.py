"""Serializers of the dynamic-management API (read-only): title reviews and reserve-pool entries."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import ReserveEntry, TitleReview


class TitleReviewSerializer(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(
        source="title.enterprise_id", read_only=True, label=_("enterprise"), help_text=_("Enterprise id.")
    )
    credit_code = serializers.CharField(
        source="title.enterprise.credit_code", read_only=True, label=_("unified social credit code")
    )
    county = serializers.CharField(
        source="title.enterprise.county.code", read_only=True, label=_("county"), help_text=_("County division code.")
    )
    tier = serializers.CharField(
        source="title.tier.code", read_only=True, label=_("tier"), help_text=_("Code of the title's tier.")
    )

    class Meta:
        model = TitleReview
        fields = [
            "id",
            "title",
            "enterprise",
            "credit_code",
            "county",
            "tier",
            "started_on",
            "outcome",
            "decided_on",
            "previous_valid_until",
            "new_valid_until",
            "document_no",
            "note",
            "version",
            "updated_at",
        ]


class ReserveEntrySerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(
        source="enterprise.credit_code", read_only=True, label=_("unified social credit code")
    )
    county = serializers.CharField(
        source="enterprise.county.code", read_only=True, label=_("county"), help_text=_("County division code.")
    )
    target_tier: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("target tier"), help_text=_("Code of the tier aimed at.")
    )

    class Meta:
        model = ReserveEntry
        fields = [
            "id",
            "enterprise",
            "credit_code",
            "county",
            "target_tier",
            "year",
            "status",
            "recommended_on",
            "applied_on",
            "decided_on",
            "precheck_status",
            "precheck_score",
            "precheck_score_max",
            "title",
            "note",
            "version",
            "updated_at",
        ]

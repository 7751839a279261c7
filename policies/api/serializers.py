"""Serializers of the policy API (read-only): policies with their conditions, the support ledger."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from policies.models import Policy, PolicyCondition, SupportGrant


class PolicyConditionSerializer(serializers.ModelSerializer):
    tier: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, label=_("tier")
    )
    county: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, label=_("county")
    )
    industry: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, label=_("industry")
    )
    tag: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, label=_("plan tag")
    )

    class Meta:
        model = PolicyCondition
        fields = [
            "kind",
            "figure",
            "operator",
            "threshold",
            "tier",
            "county",
            "industry",
            "tag",
            "listing_stage",
            "group",
        ]


class PolicySerializer(serializers.ModelSerializer):
    issuing_department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("issuing unit"), help_text=_("Department code.")
    )
    implementing_department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        label=_("implementing unit"),
        help_text=_("Department code."),
    )
    support_type: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("support type")
    )
    tasks: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, label=_("plan tasks served")
    )
    conditions = PolicyConditionSerializer(many=True, read_only=True, label=_("eligibility conditions"))

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "document_no",
            "issuing_department",
            "implementing_department",
            "support_type",
            "tasks",
            "apply_from",
            "apply_to",
            "valid_from",
            "valid_to",
            "amount_rule",
            "no_application",
            "conditions",
            "updated_at",
        ]


class SupportGrantSerializer(serializers.ModelSerializer):
    enterprise: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("enterprise")
    )
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True, label=_("credit code"))
    department: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("granting unit")
    )
    support_type: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("support type")
    )
    policy: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, label=_("policy")
    )

    class Meta:
        model = SupportGrant
        fields = [
            "id",
            "enterprise",
            "credit_code",
            "policy",
            "policy_text",
            "department",
            "support_type",
            "amount",
            "granted_on",
            "batch",
            "document_no",
            "updated_at",
        ]

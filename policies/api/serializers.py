"""Serializers of the policy API: policies with their conditions and matches, the support ledger
(read), and a grant sent by a department's system (write)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from policies.choices import MatchStatus
from policies.models import Policy, PolicyAttachment, PolicyCondition, SupportGrant


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


class PolicyAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True, label=_("file name"))
    size = serializers.IntegerField(read_only=True, label=_("size (bytes)"))
    content_type = serializers.CharField(read_only=True, label=_("content type"))
    download_url = serializers.SerializerMethodField(
        label=_("download URL"), help_text=_("The portal's download page of the file (needs a portal login).")
    )

    class Meta:
        model = PolicyAttachment
        fields = ["id", "name", "size", "content_type", "sha256", "uploaded_at", "download_url"]

    def get_download_url(self, obj: PolicyAttachment) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request is not None else url


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
    attachments = PolicyAttachmentSerializer(many=True, read_only=True, label=_("files"))

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
            "attachments",
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
            "external_id",
            "updated_at",
        ]


class SupportGrantCreateSerializer(serializers.Serializer):
    """A grant sent by a department's system; the granting unit is the key's department."""

    enterprise = serializers.CharField(
        max_length=18, label=_("credit code"), help_text=_("The enterprise's credit code.")
    )
    policy = serializers.IntegerField(
        required=False, allow_null=True, label=_("policy"), help_text=_("Id of the policy in the library.")
    )
    policy_text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        label=_("policy (outside the library)"),
        help_text=_("When the policy is not in the library."),
    )
    support_type = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        label=_("support type"),
        help_text=_("Support type code; by default the policy's."),
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, label=_("amount (10k yuan)"))
    granted_on = serializers.DateField(label=_("granted on"))
    batch = serializers.CharField(required=False, allow_blank=True, max_length=100, label=_("batch"))
    document_no = serializers.CharField(required=False, allow_blank=True, max_length=100, label=_("document number"))
    external_id = serializers.CharField(
        max_length=64,
        label=_("id in the granting system"),
        help_text=_("The same id again returns the grant already recorded and changes nothing."),
    )


class PolicyMatchSerializer(serializers.Serializer):
    """One enterprise matched against a policy today."""

    enterprise = serializers.IntegerField(label=_("enterprise"))
    credit_code = serializers.CharField(label=_("credit code"))
    name = serializers.CharField(label=_("name"))
    county = serializers.CharField(label=_("county"), help_text=_("County division code."))
    status = serializers.ChoiceField(choices=MatchStatus.choices, label=_("match"))


class PolicyMatchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(label=_("count"))
    next = serializers.URLField(allow_null=True, label=_("next page"))
    previous = serializers.URLField(allow_null=True, label=_("previous page"))
    results = PolicyMatchSerializer(many=True)

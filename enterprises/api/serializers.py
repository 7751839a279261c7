"""Serializers for the enterprise API. They parse and type-check input only: the services
(``enterprises.services``) validate the row (``full_clean`` and the domain rules), check the county
scope and the version, save and audit, exactly as for the web forms."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Place
from core.masking import mask_name, mask_phone
from core.scoping import CHANGE, scope_for
from enterprises.models import (
    Enterprise,
    Industry,
    ListingRecord,
    RDInstitution,
    RDInstitutionLevel,
    Statistic,
    StatisticImport,
    Tag,
    Tier,
    Title,
)
from enterprises.validators import normalise_credit_code


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class MaskedField(serializers.CharField):
    """Personal data (contact name and phone) is masked on reads, as on every web list; writes take
    the full value. A masked value sent back is refused instead of overwriting the real one."""

    def __init__(self, *, masker, **kwargs):
        self.masker = masker
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.masker(value)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if "*" in value:
            raise serializers.ValidationError(
                _("This looks like a masked value; send the full value or leave the field out.")
            )
        return value


@extend_schema_field({"type": "string", "nullable": True, "description": "Code of the current tier, or null."})
class CurrentTierField(serializers.Field):
    """The code of the highest title valid today (``current_tier_id`` annotated by the queryset)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "current_tier_id")
        kwargs.setdefault("help_text", _("Code of the highest tier held with a title valid today; null if none."))
        super().__init__(**kwargs)

    def to_representation(self, value):
        tiers = self.context.get("tier_codes")
        if tiers is None:
            tiers = self.context["tier_codes"] = dict(Tier.objects.values_list("pk", "code"))
        return tiers.get(value)

    def get_attribute(self, instance):
        return getattr(instance, "current_tier_id", None)


class ScopedEnterpriseField(serializers.PrimaryKeyRelatedField):
    """An enterprise the requesting user may change (another county's id: 'does not exist')."""

    def get_queryset(self):
        request = self.context.get("request")
        return Enterprise.objects.for_user(getattr(request, "user", None), CHANGE)


class EnterpriseSerializer(serializers.ModelSerializer):
    credit_code = serializers.CharField(
        max_length=30,
        label=_("unified social credit code"),
        help_text=_("18-character unified social credit code (GB 32100-2015)."),
    )
    county: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Place.objects.filter(level="county"),
        label=_("county"),
        help_text=_("County division code (GB/T 2260), e.g. 440781."),
    )
    county_name = serializers.CharField(source="county.name", read_only=True, label=_("county name"))
    industry = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Industry.objects.filter(level="division"),
        allow_null=True,
        required=False,
        label=_("industry"),
        help_text=_("GB/T 4754-2017 division code (two digits)."),
    )
    tags = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Tag.objects.all(),
        many=True,
        required=False,
        label=_("focus tags"),
        help_text=_("Codes of the plan's focus areas, pilot sectors and clusters."),
    )
    contact_person = MaskedField(
        masker=mask_name,
        max_length=50,
        required=False,
        allow_blank=True,
        label=_("contact person"),
        help_text=_("Masked on reads."),
    )
    contact_phone = MaskedField(
        masker=mask_phone,
        max_length=20,
        required=False,
        allow_blank=True,
        label=_("contact phone"),
        help_text=_("Masked on reads."),
    )
    current_tier = CurrentTierField(label=_("current tier"))
    status_effective_on = serializers.DateField(
        write_only=True,
        required=False,
        label=_("status effective on"),
        help_text=_("Required when the status changes: the day it took effect (history is kept)."),
    )
    county_effective_on = serializers.DateField(
        write_only=True,
        required=False,
        label=_("move effective on"),
        help_text=_(
            "Required when the county changes (city-wide writers only): the first day in the new county "
            "(history is kept; not before the latest move)."
        ),
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "county",
            "county_name",
            "industry",
            "niche_market",
            "tags",
            "address",
            "established_on",
            "contact_person",
            "contact_phone",
            "status",
            "status_effective_on",
            "county_effective_on",
            "current_tier",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        validators: list[Any] = []  # uniqueness and every domain rule: the service's full_clean

    def get_fields(self):
        fields = super().get_fields()
        scope = scope_for(_user(self))
        county = fields["county"]
        if scope.county_id is not None and isinstance(county, serializers.RelatedField) and not county.read_only:
            county.queryset = Place.objects.filter(pk=scope.county_id)
        return fields

    def validate_credit_code(self, value):
        return normalise_credit_code(value)


class EnterpriseChildSerializer(serializers.ModelSerializer):
    """Common fields of the records that belong to an enterprise."""

    enterprise = ScopedEnterpriseField(label=_("enterprise"), help_text=_("Id of the enterprise."))
    credit_code = serializers.CharField(
        source="enterprise.credit_code", read_only=True, label=_("unified social credit code")
    )

    def validate_enterprise(self, value):
        if self.instance is not None and value.pk != self.instance.enterprise_id:
            raise serializers.ValidationError(_("A record cannot be moved to another enterprise."))
        return value


class TitleSerializer(EnterpriseChildSerializer):
    tier = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Tier.objects.all(),
        label=_("tier"),
        help_text=_("Tier code: innovative, municipal, provincial, national."),
    )
    effective_status = serializers.CharField(
        read_only=True,
        label=_("status today"),
        help_text=_("The status as of today (a title past its validity reads as expired)."),
    )
    valid_until = serializers.DateField(
        required=False, label=_("valid until"), help_text=_("Left out: the tier's validity from the recognition date.")
    )

    class Meta:
        model = Title
        fields = [
            "id",
            "enterprise",
            "credit_code",
            "tier",
            "batch",
            "recognised_on",
            "valid_until",
            "status",
            "effective_status",
            "ended_on",
            "end_reason",
            "document_no",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        validators: list[Any] = []


class StatisticSerializer(EnterpriseChildSerializer):
    class Meta:
        model = Statistic
        fields = [
            "id",
            "enterprise",
            "credit_code",
            "year",
            "quarter",
            *Statistic.FIGURE_FIELDS,
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        validators: list[Any] = []


class RDInstitutionSerializer(EnterpriseChildSerializer):
    level = serializers.SlugRelatedField(
        slug_field="code",
        queryset=RDInstitutionLevel.objects.all(),
        label=_("type and level"),
        help_text=_("Code of the institution level."),
    )

    class Meta:
        model = RDInstitution
        fields = [
            "id",
            "enterprise",
            "credit_code",
            "level",
            "name",
            "recognised_year",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        validators: list[Any] = []


class ListingRecordSerializer(EnterpriseChildSerializer):
    class Meta:
        model = ListingRecord
        fields = [
            "id",
            "enterprise",
            "credit_code",
            "stage",
            "venue",
            "date",
            "stock_code",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        validators: list[Any] = []


class StatisticImportSerializer(serializers.ModelSerializer):
    """The status of a statistics workbook import (read-only: uploads are made in the web UI)."""

    county: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        label=_("county scope"),
        help_text=_("County division code of the upload; null for a city-wide upload."),
    )
    uploaded_by = serializers.CharField(
        source="requested_by.username",
        read_only=True,
        label=_("uploaded by"),
        help_text=_("User name of the uploader."),
    )
    periods = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        label=_("periods"),
        help_text=_("Quarters in the workbook, e.g. 2024Q1."),
    )

    class Meta:
        model = StatisticImport
        fields = [
            "id",
            "file_name",
            "file_size",
            "state",
            "status",
            "progress",
            "message",
            "dry_run",
            "row_count",
            "new_count",
            "changed_count",
            "unchanged_count",
            "error_count",
            "error_row_count",
            "periods",
            "created_at",
            "started_at",
            "finished_at",
            "committed_at",
            "undone_at",
            "uploaded_by",
            "county",
        ]

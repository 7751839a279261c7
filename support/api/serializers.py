"""Serializers of the requests API: reading requests and their figures, creating a request from the
city's 诉求 platform (idempotent on its external id)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from support.choices import Urgency
from support.models import EnterpriseRequest


class RequestSerializer(serializers.ModelSerializer):
    enterprise: Any = serializers.SlugRelatedField(
        slug_field="credit_code", read_only=True, label=_("enterprise"), help_text=_("Unified social credit code.")
    )
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, label=_("enterprise name"))
    county: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("county"), help_text=_("County division code.")
    )
    category: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("category"), help_text=_("Request category code.")
    )
    department: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, label=_("handling department"), help_text=_("Department code.")
    )

    class Meta:
        model = EnterpriseRequest
        fields = [
            "id",
            "external_id",
            "enterprise",
            "enterprise_name",
            "county",
            "category",
            "description",
            "urgency",
            "source",
            "status",
            "department",
            "received_on",
            "accept_due",
            "reply_due",
            "close_due",
            "accepted_on",
            "replied_on",
            "closed_on",
            "reply",
            "satisfaction",
            "reopen_count",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class RequestCreateSerializer(serializers.Serializer[Any]):
    external_id = serializers.CharField(
        label=_("external id"),
        max_length=64,
        help_text=_("The request's number on the city's request platform; sending it again creates nothing."),
    )
    enterprise = serializers.CharField(
        label=_("enterprise"), max_length=18, help_text=_("Unified social credit code of the enterprise.")
    )
    category = serializers.CharField(label=_("category"), max_length=20, help_text=_("Request category code."))
    description = serializers.CharField(label=_("request description"), max_length=4000)
    urgency = serializers.ChoiceField(label=_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    received_on = serializers.DateField(
        label=_("received on"), required=False, help_text=_("The day the platform received it (default: today).")
    )


class FigureRowSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(allow_null=True, label=_("group"), help_text=_("Department or county code, or month."))
    name = serializers.CharField(label=_("name"))
    total = serializers.IntegerField(label=_("requests"))
    response_rate = serializers.FloatField(
        allow_null=True, label=_("response rate (%)"), help_text=_("Accepted in time; null when nothing is due yet.")
    )
    on_time_close_rate = serializers.FloatField(allow_null=True, label=_("closed on time (%)"))
    satisfaction_rate = serializers.FloatField(allow_null=True, label=_("satisfaction rate (%)"))
    avg_days_to_close = serializers.FloatField(allow_null=True, label=_("average days to close"))
    open = serializers.IntegerField(label=_("open requests"))
    overdue = serializers.IntegerField(label=_("overdue"))


class FiguresSerializer(serializers.Serializer[Any]):
    total = FigureRowSerializer(label=_("all requests"))
    rows = FigureRowSerializer(many=True, label=_("per group"))


class CoverageRowSerializer(serializers.Serializer[Any]):
    county = serializers.CharField(
        allow_null=True, label=_("county"), help_text=_("County division code; null for the whole scope.")
    )
    name = serializers.CharField(label=_("name"))
    srdi = serializers.IntegerField(
        label=_("SRDI enterprises"), help_text=_("Enterprises holding a valid provincial-or-higher title today.")
    )
    srdi_with_commissioner = serializers.IntegerField(label=_("SRDI enterprises with a commissioner"))
    srdi_commissioner_share = serializers.FloatField(
        allow_null=True, label=_("share with a commissioner (%)"), help_text=_("Null when there are none.")
    )
    srdi_visited_this_quarter = serializers.IntegerField(label=_("SRDI enterprises visited this quarter"))
    srdi_visited_share = serializers.FloatField(allow_null=True, label=_("share visited this quarter (%)"))
    srdi_never_visited = serializers.IntegerField(label=_("SRDI enterprises never visited"))
    reserve = serializers.IntegerField(
        label=_("reserve pool"), help_text=_("Enterprises recommended or applying for a higher tier.")
    )
    reserve_with_commissioner = serializers.IntegerField(label=_("reserve pool with a commissioner"))
    reserve_commissioner_share = serializers.FloatField(
        allow_null=True, label=_("reserve pool share with a commissioner (%)")
    )


class CoverageSerializer(serializers.Serializer[Any]):
    as_of = serializers.DateField(label=_("as of"))
    total = CoverageRowSerializer(label=_("all counties"))
    rows = CoverageRowSerializer(many=True, label=_("per county"))

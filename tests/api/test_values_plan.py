"""List pages are rendered from values() (``core.api.ValuesPlan``); every row must equal
the serializer's representation of the same record, as the detail endpoint returns it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.api import ValuesPlan
from enterprises.models import Industry, Tag
from tests import factories

from .endpoints import ENDPOINTS, ids

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ids(ENDPOINTS))
def test_list_rows_equal_detail_representation(write_api, endpoint):
    objects = [endpoint.make(county) for county in ("440781", "440783")]
    rich = factories.make_enterprise(
        "440705",
        industry=Industry.objects.filter(level="division").first(),
        niche_market="轴承",
        address="新会区某路1号",
        established_on=dt.date(2010, 5, 6),
        contact_person="李四",
        contact_phone="0750-3123456",
    )
    rich.tags.set(Tag.objects.all()[:3])
    factories.make_title(rich, "innovative", dt.date(2024, 7, 1))
    factories.make_statistic(
        rich,
        2024,
        2,
        revenue=Decimal("123.45"),
        profit=Decimal("-3.5"),
        employees=40,
        university_cooperation=True,
        digital_level=3,
    )
    rows = write_api.client.get(endpoint.url, {"page_size": 1000}).json()["results"]
    assert rows
    for obj in objects:
        row = next(r for r in rows if r["id"] == obj.pk)
        assert row == write_api.client.get(endpoint.detail(obj)).json()
    for row in rows:
        assert row == write_api.client.get(f"{endpoint.url}{row['id']}/").json()


def test_plan_falls_back_for_fields_it_cannot_map():
    from rest_framework import serializers

    from enterprises.models import Enterprise

    class WithMethod(serializers.ModelSerializer):
        extra = serializers.SerializerMethodField()

        class Meta:
            model = Enterprise
            fields = ["id", "extra"]

        def get_extra(self, obj):
            return 1

    assert ValuesPlan.for_serializer(WithMethod(), Enterprise.objects.all()) is None


def test_plan_falls_back_for_properties():
    from enterprises.api.serializers import EnterpriseSerializer, TitleSerializer
    from enterprises.models import Enterprise, Title

    assert ValuesPlan.for_serializer(TitleSerializer(), Title.objects.all()) is None  # effective_status
    assert ValuesPlan.for_serializer(EnterpriseSerializer(), Enterprise.objects.with_current_tier()) is not None
    # without the annotation the current tier cannot come from values()
    assert ValuesPlan.for_serializer(EnterpriseSerializer(), Enterprise.objects.all()) is None

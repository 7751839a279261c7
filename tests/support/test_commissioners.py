"""Service commissioners: at most one current per enterprise, history kept, county scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.choices import Role
from support.models import CommissionerAssignment
from support.selectors import current_commissioners
from support.services import assign_commissioner, assign_commissioner_bulk, end_commissioner
from tests import factories

pytestmark = pytest.mark.django_db


def test_replacing_a_commissioner_keeps_the_history(taishan_official, taishan_enterprise):
    first = factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781")
    second = factories.make_user(Role.DEPARTMENT_USER, department_code="kjj")
    assign_commissioner(
        actor=taishan_official, enterprise=taishan_enterprise, commissioner=first, starts_on=dt.date(2025, 1, 6)
    )
    assign_commissioner(
        actor=taishan_official, enterprise=taishan_enterprise, commissioner=second, starts_on=dt.date(2025, 3, 3)
    )
    rows = list(CommissionerAssignment.objects.filter(enterprise=taishan_enterprise).order_by("starts_on"))
    assert [(r.commissioner_id, r.is_current, r.ends_on) for r in rows] == [
        (first.pk, False, dt.date(2025, 3, 3)),
        (second.pk, True, None),
    ]
    # The same person again changes nothing.
    assign_commissioner(actor=taishan_official, enterprise=taishan_enterprise, commissioner=second)
    assert CommissionerAssignment.objects.filter(enterprise=taishan_enterprise).count() == 2
    end_commissioner(actor=taishan_official, enterprise=taishan_enterprise, ends_on=dt.date(2025, 6, 30))
    assert current_commissioners([taishan_enterprise.pk]) == {}


def test_current_commissioners_is_one_query(django_assert_num_queries, taishan_official):
    enterprises = [factories.make_enterprise("440781") for _ in range(3)]
    assign_commissioner(actor=taishan_official, enterprise=enterprises[0], commissioner=taishan_official)
    assign_commissioner(actor=taishan_official, enterprise=enterprises[2], commissioner=taishan_official)
    with django_assert_num_queries(1):
        found = current_commissioners(e.pk for e in enterprises)
    assert found == {enterprises[0].pk: taishan_official, enterprises[2].pk: taishan_official}


def test_a_county_official_cannot_assign_in_another_county(taishan_official, kaiping_enterprise):
    with pytest.raises(Http404):
        assign_commissioner(actor=taishan_official, enterprise=kaiping_enterprise, commissioner=taishan_official)
    assert not CommissionerAssignment.objects.exists()


def test_commissioner_must_be_of_the_enterprise_county(city_operator, taishan_official, kaiping_enterprise, viewer):
    with pytest.raises(ValidationError):
        assign_commissioner(actor=city_operator, enterprise=kaiping_enterprise, commissioner=taishan_official)
    with pytest.raises(ValidationError):
        assign_commissioner(actor=city_operator, enterprise=kaiping_enterprise, commissioner=viewer)


def test_bulk_assignment_is_all_or_nothing(city_operator, taishan_official, taishan_enterprise, kaiping_enterprise):
    with pytest.raises(ValidationError):
        assign_commissioner_bulk(
            actor=city_operator, enterprises=[taishan_enterprise, kaiping_enterprise], commissioner=taishan_official
        )
    assert not CommissionerAssignment.objects.exists()
    assert (
        assign_commissioner_bulk(actor=city_operator, enterprises=[taishan_enterprise], commissioner=taishan_official)
        == 1
    )

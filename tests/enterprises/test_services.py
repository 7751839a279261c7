"""The write path: scoping, ladder rules, stale edits, validation and the audit record."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import AuditLog, Place
from core.services import StaleEditError
from enterprises import services
from enterprises.models import Enterprise, Statistic, Tier, Title
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_records_audit_with_after_values(taishan_official):
    ent = Enterprise(
        credit_code=factories.make_credit_code("440781", 77),
        name="台山新建有限公司",
        county=Place.objects.get(code="440781"),
    )
    services.enterprise_save(actor=taishan_official, enterprise=ent)
    log = AuditLog.objects.get(object_type="enterprises.enterprise", object_id=str(ent.pk))
    assert log.action == "create" and log.actor_username == "taishan"
    assert log.after["name"] == "台山新建有限公司" and log.before is None
    assert log.county_code == "440781"


def test_update_records_before_and_after(taishan_official, taishan_enterprise):
    old_name = taishan_enterprise.name
    taishan_enterprise.name = "新名称有限公司"
    services.enterprise_save(actor=taishan_official, enterprise=taishan_enterprise, expected_version=1)
    log = AuditLog.objects.filter(object_id=str(taishan_enterprise.pk)).latest("id")
    assert log.before["name"] == old_name and log.after["name"] == "新名称有限公司"
    assert "name" in log.changed_fields and "version" in log.changed_fields


def test_county_official_cannot_write_other_county(taishan_official, kaiping_enterprise):
    kaiping_enterprise.name = "篡改"
    with pytest.raises(Http404):
        services.enterprise_save(actor=taishan_official, enterprise=kaiping_enterprise)
    assert Enterprise.objects.get(pk=kaiping_enterprise.pk).name != "篡改"


def test_county_official_cannot_move_an_enterprise_to_another_county(taishan_official, taishan_enterprise):
    """Refused with a message that says why (moves are for the city: issue 18), nothing written."""
    taishan_enterprise.county = Place.objects.get(code="440783")
    with pytest.raises(ValidationError) as error:
        services.enterprise_save(actor=taishan_official, enterprise=taishan_enterprise)
    assert error.value.message_dict["county"] == ["只有市级管理员可以将企业迁至其他县（市、区）。"]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).county.code == "440781"


@pytest.mark.parametrize("fixture", ["viewer", "department_user", "system_admin"])
def test_roles_without_write_access_are_refused(request, fixture, taishan_enterprise):
    user = request.getfixturevalue(fixture)
    taishan_enterprise.name = "x"
    with pytest.raises(PermissionDenied):
        services.enterprise_save(actor=user, enterprise=taishan_enterprise)


def test_stale_edit_is_refused_and_names_the_other_editor(taishan_official, city_operator, taishan_enterprise):
    first = Enterprise.objects.get(pk=taishan_enterprise.pk)
    second = Enterprise.objects.get(pk=taishan_enterprise.pk)
    first.name = "第一位"
    services.enterprise_save(actor=city_operator, enterprise=first, expected_version=1)
    second.name = "第二位"
    with pytest.raises(StaleEditError) as excinfo:
        services.enterprise_save(actor=taishan_official, enterprise=second, expected_version=1)
    assert "city" in excinfo.value.messages[0]
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).name == "第一位"


def test_ladder_rule_refuses_provincial_title_without_valid_innovative(taishan_official, taishan_enterprise):
    title = Title(
        enterprise=taishan_enterprise, tier=Tier.objects.get(code="provincial"), recognised_on=dt.date(2024, 9, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.title_save(actor=taishan_official, title=title)
    message = excinfo.value.message_dict["tier"][0]
    assert "创新型中小企业" in message
    assert not Title.objects.exists()


def test_ladder_rule_accepts_with_valid_lower_rung_and_skips_titles_before_the_rule(
    taishan_official, taishan_enterprise
):
    # before 2022-08-01 the rule did not apply
    old = Title(
        enterprise=taishan_enterprise, tier=Tier.objects.get(code="provincial"), recognised_on=dt.date(2021, 9, 1)
    )
    services.title_save(actor=taishan_official, title=old)
    assert old.valid_until == dt.date(2024, 8, 31)
    factories.make_title(taishan_enterprise, "innovative", dt.date(2023, 7, 1))
    new = Title(
        enterprise=taishan_enterprise, tier=Tier.objects.get(code="provincial"), recognised_on=dt.date(2024, 9, 1)
    )
    services.title_save(actor=taishan_official, title=new)
    assert Title.objects.filter(enterprise=taishan_enterprise).count() == 3


def test_statistic_for_a_future_period_and_negative_counts_are_refused(taishan_official, taishan_enterprise):
    future = Statistic(enterprise=taishan_enterprise, year=2099, quarter=1)
    with pytest.raises(ValidationError) as excinfo:
        services.statistic_save(actor=taishan_official, statistic=future)
    assert "quarter" in excinfo.value.message_dict or "year" in excinfo.value.message_dict
    negative = Statistic(enterprise=taishan_enterprise, year=2024, quarter=1, revenue=-5)
    with pytest.raises(ValidationError) as excinfo:
        services.statistic_save(actor=taishan_official, statistic=negative)
    assert "revenue" in excinfo.value.message_dict
    assert not Statistic.objects.exists()

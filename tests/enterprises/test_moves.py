"""Moves of an enterprise between counties: effective-dated, for the city only, kept as history.

台山 = 440781, 开平 = 440783, 恩平 = 440785. Every expected value is worked out from the dates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog, Place
from enterprises import services
from enterprises.forms import EnterpriseForm
from enterprises.models import Enterprise, EnterpriseCountyChange, county_on, moved_after
from tests import factories

pytestmark = pytest.mark.django_db

T, K, E = "440781", "440783", "440785"


def place(code):
    return Place.objects.get(code=code)


def fresh(enterprise):
    return Enterprise.objects.get(pk=enterprise.pk)


def state(enterprise):
    e = fresh(enterprise)
    return e.county.code, e.version, EnterpriseCountyChange.objects.filter(enterprise=e).count()


# -- the service ---------------------------------------------------------------------------------------


def test_city_operator_moves_with_a_date_kept_and_audited(city_operator):
    firm = factories.make_enterprise(T)
    moved = services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(K), effective_on=dt.date(2025, 7, 1), note="迁址"
    )
    assert moved.county.code == K and fresh(firm).version == 2
    change = EnterpriseCountyChange.objects.get(enterprise=firm)
    assert (change.from_county.code, change.to_county.code, change.effective_on, change.note, change.recorded_by) == (
        T,
        K,
        dt.date(2025, 7, 1),
        "迁址",
        city_operator,
    )
    assert change.statistic_import is None
    assert AuditLog.objects.filter(object_type="enterprises.enterprisecountychange", object_id=str(change.pk)).exists()
    assert AuditLog.objects.filter(
        object_type="enterprises.enterprise", object_id=str(firm.pk), action="update"
    ).exists()


def test_a_county_official_cannot_move(taishan_official):
    firm = factories.make_enterprise(T)
    before = state(firm), AuditLog.objects.count()
    with pytest.raises(ValidationError) as error:
        services.enterprise_move(
            actor=taishan_official, enterprise=fresh(firm), to_county=place(K), effective_on=dt.date(2025, 7, 1)
        )
    assert error.value.message_dict["county"] == ["只有市级管理员可以将企业迁至其他县（市、区）。"]
    assert (state(firm), AuditLog.objects.count()) == before


def test_the_date_is_required_and_not_in_the_future(city_operator):
    firm = factories.make_enterprise(T)
    with pytest.raises(ValidationError) as error:
        services.enterprise_move(actor=city_operator, enterprise=fresh(firm), to_county=place(K), effective_on=None)
    assert error.value.message_dict["county_effective_on"] == ["所属县（市、区）有变更：请填写迁移生效日期。"]
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as error:
        services.enterprise_move(actor=city_operator, enterprise=fresh(firm), to_county=place(K), effective_on=tomorrow)
    assert error.value.message_dict["county_effective_on"] == ["迁移生效日期不能晚于今天。"]
    assert state(firm) == (T, 1, 0)


def test_a_back_dated_move_is_refused_and_a_later_one_kept(city_operator):
    firm = factories.make_enterprise(T)
    services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(K), effective_on=dt.date(2025, 7, 1)
    )
    # 2025-03-01 lies before the recorded move of 2025-07-01: it would rewrite the history between them.
    with pytest.raises(ValidationError) as error:
        services.enterprise_move(
            actor=city_operator, enterprise=fresh(firm), to_county=place(E), effective_on=dt.date(2025, 3, 1)
        )
    assert error.value.message_dict["county_effective_on"] == [
        "日期不能早于该企业最近一次迁移（2025-07-01）：请按发生先后记录迁移。"
    ]
    assert state(firm) == (K, 2, 1)
    services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(E), effective_on=dt.date(2025, 9, 1)
    )
    assert state(firm) == (E, 3, 2)
    history = list(EnterpriseCountyChange.objects.filter(enterprise=firm).values_list("to_county__code", flat=True))
    assert history == [E, K]  # newest first, as the status history


def test_saving_the_same_county_records_no_move(city_operator):
    firm = factories.make_enterprise(T)
    e = fresh(firm)
    e.name = "新名称有限公司"
    services.enterprise_save(actor=city_operator, enterprise=e)
    assert state(firm) == (T, 2, 0)


# -- the county on a date ----------------------------------------------------------------------------------


def test_county_on_a_date_follows_the_moves(city_operator):
    """台山 until 2025-02-28, 开平 2025-03-01 … 2025-06-30, 恩平 from 2025-07-01; ``still`` never moved."""
    firm = factories.make_enterprise(T)
    still = factories.make_enterprise(T)
    services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(K), effective_on=dt.date(2025, 3, 1)
    )
    services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(E), effective_on=dt.date(2025, 7, 1)
    )
    ids = {place(c).pk: c for c in (T, K, E)}

    def on(date):
        rows = (
            Enterprise.objects.filter(pk__in=[firm.pk, still.pk])
            .annotate(county_then=county_on(date, ""))
            .values_list("pk", "county_then")
        )
        return {pk: ids[county] for pk, county in rows}

    assert on(dt.date(2025, 2, 28)) == {firm.pk: T, still.pk: T}
    assert on(dt.date(2025, 3, 1)) == {firm.pk: K, still.pk: T}
    assert on(dt.date(2025, 6, 30)) == {firm.pk: K, still.pk: T}
    assert on(dt.date(2025, 7, 1)) == {firm.pk: E, still.pk: T}
    # only the enterprises elsewhere on the date are read, in one query
    assert moved_after(dt.date(2025, 7, 1)) == {}
    assert moved_after(dt.date(2025, 5, 1)) == {firm.pk: place(K).pk}


def test_moved_away_and_back_is_the_county_of_today(city_operator):
    firm = factories.make_enterprise(T)
    services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(K), effective_on=dt.date(2025, 3, 1)
    )
    services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(T), effective_on=dt.date(2025, 5, 1)
    )
    assert moved_after(dt.date(2025, 1, 1)) == {}  # in 台山 then as now
    assert moved_after(dt.date(2025, 4, 1)) == {firm.pk: place(K).pk}


# -- the edit form -------------------------------------------------------------------------------------------


def _data(firm, **changes):
    return {
        "credit_code": firm.credit_code,
        "name": firm.name,
        "county": firm.county_id,
        "status": "operating",
        "version": firm.version,
        **changes,
    }


def test_form_asks_the_city_operator_for_the_date_of_a_move(client, city_operator):
    firm = factories.make_enterprise(T)
    client.force_login(city_operator)
    url = f"/enterprises/{firm.pk}/edit/"
    assert 'name="county_effective_on"' in client.get(url).content.decode()
    response = client.post(url, _data(firm, county=place(K).pk))
    assert response.status_code == 200
    assert "所属县（市、区）有变更：请填写迁移生效日期。" in response.content.decode()
    assert state(firm) == (T, 1, 0)
    response = client.post(url, _data(firm, county=place(K).pk, county_effective_on="2025-07-01"))
    assert response.status_code == 302
    assert state(firm) == (K, 2, 1)
    assert EnterpriseCountyChange.objects.get(enterprise=firm).effective_on == dt.date(2025, 7, 1)


def test_form_of_a_county_official_cannot_move(client, taishan_official):
    firm = factories.make_enterprise(T)
    client.force_login(taishan_official)
    url = f"/enterprises/{firm.pk}/edit/"
    assert 'name="county_effective_on"' not in client.get(url).content.decode()
    response = client.post(url, _data(firm, county=place(K).pk, county_effective_on="2025-07-01"))
    assert response.status_code == 200  # the form again: 开平 is not among her choices
    assert "county" in response.context["form"].errors
    assert state(firm) == (T, 1, 0)


def test_form_on_a_new_enterprise_has_no_move_date(city_operator):
    form = EnterpriseForm(instance=Enterprise(), user=city_operator)
    assert "county_effective_on" not in form.fields


# -- the history on the enterprise page, and its scoping ---------------------------------------------------


def test_detail_page_shows_the_county_history(client, city_operator, taishan_official, kaiping_official):
    firm = factories.make_enterprise(T)
    services.enterprise_move(
        actor=city_operator, enterprise=fresh(firm), to_county=place(K), effective_on=dt.date(2025, 7, 1)
    )
    client.force_login(city_operator)
    page = client.get(f"/enterprises/{firm.pk}/").content.decode()
    assert "2025-07-01 由台山市迁至开平市" in page
    client.force_login(kaiping_official)  # the enterprise is in her county now: she sees its history
    assert "2025-07-01 由台山市迁至开平市" in client.get(f"/enterprises/{firm.pk}/").content.decode()
    client.force_login(taishan_official)  # moved away: neither the page nor the move
    assert client.get(f"/enterprises/{firm.pk}/").status_code == 404
    assert not EnterpriseCountyChange.objects.for_user(taishan_official).exists()
    assert EnterpriseCountyChange.objects.for_user(kaiping_official).count() == 1
    assert EnterpriseCountyChange.objects.for_user(city_operator).count() == 1


def test_detail_page_without_moves_says_so(client, city_operator):
    firm = factories.make_enterprise(T)
    client.force_login(city_operator)
    assert "无县（市、区）间迁移记录。" in client.get(f"/enterprises/{firm.pk}/").content.decode()

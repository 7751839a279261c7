"""Enterprise pages: scoping in both directions on every route, and bad input at the field."""

import datetime as dt

import pytest

from accounts.models import AuditLog
from enterprises.models import Enterprise, Statistic, Title
from tests import factories

pytestmark = pytest.mark.django_db


def _routes(ent, title, stat):
    return [
        ("get", f"/enterprises/{ent.pk}/"),
        ("get", f"/enterprises/{ent.pk}/edit/"),
        ("get", f"/enterprises/{ent.pk}/titles/new/"),
        ("get", f"/enterprises/{ent.pk}/titles/{title.pk}/edit/"),
        ("get", f"/enterprises/{ent.pk}/statistics/new/"),
        ("get", f"/enterprises/{ent.pk}/statistics/{stat.pk}/edit/"),
        ("get", f"/enterprises/{ent.pk}/rd/new/"),
        ("get", f"/enterprises/{ent.pk}/listings/new/"),
        ("post", f"/enterprises/{ent.pk}/edit/"),
        ("post", f"/enterprises/{ent.pk}/titles/{title.pk}/edit/"),
        ("post", f"/enterprises/{ent.pk}/statistics/{stat.pk}/edit/"),
        ("post", f"/enterprises/{ent.pk}/titles/{title.pk}/delete/"),
        ("post", f"/enterprises/{ent.pk}/statistics/{stat.pk}/delete/"),
    ]


@pytest.fixture
def two_counties(taishan_enterprise, kaiping_enterprise):
    data = {}
    for ent in (taishan_enterprise, kaiping_enterprise):
        data[ent.county.code] = (
            ent,
            factories.make_title(ent, "innovative", dt.date(2024, 7, 1)),
            factories.make_statistic(ent, 2024, 4, revenue=100),
        )
    return data


@pytest.mark.parametrize("own, other", [("taishan_official", "440783"), ("kaiping_official", "440781")])
def test_every_route_answers_404_for_another_county_and_changes_nothing(request, client, two_counties, own, other):
    client.force_login(request.getfixturevalue(own))
    ent, title, stat = two_counties[other]
    before = (Enterprise.objects.count(), Title.objects.count(), Statistic.objects.count(), AuditLog.objects.count())
    for method, url in _routes(ent, title, stat):
        response = getattr(client, method)(url, {"name": "x", "version": 1} if method == "post" else None)
        assert response.status_code == 404, (method, url, response.status_code)
    after = (Enterprise.objects.count(), Title.objects.count(), Statistic.objects.count(), AuditLog.objects.count())
    assert before == after
    assert Enterprise.objects.get(pk=ent.pk).name == ent.name


def test_own_county_routes_open(client, taishan_official, two_counties):
    client.force_login(taishan_official)
    ent, title, stat = two_counties["440781"]
    for method, url in _routes(ent, title, stat):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_list_filters_and_city_user_sees_all_counties(client, city_operator, two_counties):
    client.force_login(city_operator)
    page = client.get("/enterprises/").content.decode()
    assert "台山测试精密有限公司" in page and "开平测试电子有限公司" in page
    page = client.get("/enterprises/?county=440783").content.decode()
    assert "台山测试精密有限公司" not in page and "开平测试电子有限公司" in page
    page = client.get("/enterprises/?tier=innovative&q=台山").content.decode()
    assert "台山测试精密有限公司" in page and "开平测试电子有限公司" not in page
    ladder = client.get("/enterprises/ladder/?date=2025-01-01")
    assert ladder.status_code == 200
    assert [row["total_current"] for row in ladder.context["rows"] if row["tier"].code == "innovative"] == [2]


def test_county_filter_offers_only_own_county(client, taishan_official):
    client.force_login(taishan_official)
    response = client.get("/enterprises/")
    choices = [str(label) for _, label in response.context["filter"].form.fields["county"].choices]
    assert "台山市" in choices and "开平市" not in choices


@pytest.mark.parametrize("fixture", ["system_admin"])
def test_admin_roles_see_no_business_data(request, client, fixture, taishan_enterprise):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/enterprises/").status_code == 403
    assert client.get(f"/enterprises/{taishan_enterprise.pk}/").status_code == 403


def test_viewer_reads_but_cannot_open_edit_forms(client, viewer, taishan_enterprise):
    client.force_login(viewer)
    assert client.get(f"/enterprises/{taishan_enterprise.pk}/").status_code == 200
    assert client.get(f"/enterprises/{taishan_enterprise.pk}/edit/").status_code == 403
    assert client.get("/enterprises/new/").status_code == 403


def _enterprise_post(ent, **changes):
    data = {
        "credit_code": ent.credit_code,
        "name": ent.name,
        "county": ent.county_id,
        "status": "operating",
        "version": ent.version,
    }
    data.update(changes)
    return data


def test_create_with_invalid_or_duplicate_code_or_foreign_county_is_refused_at_the_field(
    client, taishan_official, taishan_enterprise, kaiping_enterprise
):
    client.force_login(taishan_official)
    count = Enterprise.objects.count()
    base = {"name": "新企业有限公司", "county": taishan_enterprise.county_id, "status": "operating"}
    bad_check = factories.make_credit_code("440781", 999)[:-1] + "0"
    response = client.post("/enterprises/new/", {**base, "credit_code": bad_check})
    assert response.status_code == 200 and "credit_code" in response.context["form"].errors
    response = client.post("/enterprises/new/", {**base, "credit_code": kaiping_enterprise.credit_code.lower()})
    # Another county's enterprise: neither its name nor its county is disclosed.
    assert response.context["form"].errors["credit_code"] == ["该统一社会信用代码已登记。"]
    assert "开平" not in response.content.decode()
    response = client.post("/enterprises/new/", {**base, "credit_code": taishan_enterprise.credit_code})
    assert response.context["form"].errors["credit_code"] == [
        "该统一社会信用代码已登记为“台山测试精密有限公司”（台山市）。"
    ]
    response = client.post(
        "/enterprises/new/",
        {**base, "credit_code": factories.make_credit_code("440783", 5), "county": kaiping_enterprise.county_id},
    )
    assert "county" in response.context["form"].errors
    assert Enterprise.objects.count() == count


def test_duplicate_code_names_the_enterprise_to_a_city_user(client, city_operator, kaiping_enterprise):
    client.force_login(city_operator)
    response = client.post(
        "/enterprises/new/",
        {
            "name": "新企业有限公司",
            "county": kaiping_enterprise.county_id,
            "status": "operating",
            "credit_code": kaiping_enterprise.credit_code,
        },
    )
    assert response.context["form"].errors["credit_code"] == [
        "该统一社会信用代码已登记为“开平测试电子有限公司”（开平市）。"
    ]
    assert Enterprise.objects.filter(credit_code=kaiping_enterprise.credit_code).count() == 1


def test_stale_form_is_refused_with_a_message(client, taishan_official, city_operator, taishan_enterprise):
    client.force_login(city_operator)
    assert (
        client.post(
            f"/enterprises/{taishan_enterprise.pk}/edit/", _enterprise_post(taishan_enterprise, name="市里改的")
        ).status_code
        == 302
    )
    client.force_login(taishan_official)
    response = client.post(
        f"/enterprises/{taishan_enterprise.pk}/edit/", _enterprise_post(taishan_enterprise, name="县里改的")
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).name == "市里改的"


def test_title_breaking_the_ladder_is_refused_at_the_tier_field(client, taishan_official, taishan_enterprise):
    client.force_login(taishan_official)
    response = client.post(
        f"/enterprises/{taishan_enterprise.pk}/titles/new/",
        {"tier": 4, "recognised_on": "2024-06-01", "status": "valid", "batch": "2024"},
    )
    assert response.status_code == 200
    assert "tier" in response.context["form"].errors
    assert not Title.objects.exists()


def test_statistics_add_and_future_period_refused(client, taishan_official, taishan_enterprise):
    client.force_login(taishan_official)
    url = f"/enterprises/{taishan_enterprise.pk}/statistics/new/"
    response = client.post(
        url, {"year": 2099, "quarter": 1, "university_cooperation": "unknown", "fills_tech_gap": "unknown"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(
        url,
        {
            "year": 2025,
            "quarter": 2,
            "revenue": "1234.50",
            "employees": 50,
            "university_cooperation": "true",
            "fills_tech_gap": "unknown",
        },
    )
    assert response.status_code == 302
    stat = Statistic.objects.get(enterprise=taishan_enterprise)
    assert stat.university_cooperation is True and stat.fills_tech_gap is None
    response = client.post(
        url,
        {"year": 2025, "quarter": 2, "employees": -1, "university_cooperation": "unknown", "fills_tech_gap": "unknown"},
    )
    assert response.status_code == 200 and "employees" in response.context["form"].errors


def test_list_query_count_does_not_grow_with_rows(client, city_operator, django_assert_max_num_queries):
    for _ in range(30):
        ent = factories.make_enterprise("440703")
        factories.make_title(ent, "innovative", dt.date(2024, 7, 1))
    client.force_login(city_operator)
    with django_assert_max_num_queries(20):  # session, user, OTP device, list, filter choices: none per row
        assert client.get("/enterprises/").status_code == 200

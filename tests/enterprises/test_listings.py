"""The listing pipeline on real rows: entry conditions met / missed / unknown, the reserve list
written by the finance department (city-wide) and by counties (their own), scoping by every route
(web and API), the pages, the listings goal page and the quarterly workbook."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import AuditLog
from enterprises.listings import selectors, services
from enterprises.listings.models import ListingAction, ListingReserveEntry
from enterprises.models import ListingRecord
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
D = dt.date


@pytest.fixture
def finance_user(db):
    return factories.make_user(Role.DEPARTMENT_USER, department_code="jrj", username="jrj")


def titled(county="440781", name=None):
    e = factories.make_enterprise(county, **({"name": name} if name else {}))
    factories.make_title(e, "municipal", D(2024, 7, 1))
    return e


def entry(enterprise, venue="szse_chinext", **fields):
    return ListingReserveEntry.objects.create(
        enterprise=enterprise, target_venue=venue, target_year=2026, entered_on=D(2025, 1, 1), **fields
    )


# -- entry conditions on the criteria engine ------------------------------------------------------


def test_chinext_conditions_met_missed_and_unknown():
    on = D(2026, 6, 1)  # the annual statistics of 2025 and 2024 count
    strong = titled()
    factories.make_annual(strong, 2025, revenue=50000, profit=7000)
    factories.make_annual(strong, 2024, revenue=40000, profit=4000)
    result = selectors.conditions(strong, venue="szse_chinext", date=on)
    rows = {r.spec.code: r for r in result.thresholds}
    assert rows["tier"].value == 2 and rows["tier"].status == "met"  # a municipal title: rank 2 ≥ 2
    assert rows["profit-2y"].value == 11000 and rows["profit-2y"].status == "met"  # 7000 + 4000 ≥ 10000
    assert rows["profit-positive"].value == 4000 and rows["profit-positive"].status == "met"  # lower year > 0
    assert rows["profit-last"].status == "met"  # 7000 ≥ 6000
    assert rows["growth"].value == 25 and rows["growth"].status == "met"  # (50000 - 40000) / 40000 = 25 %
    assert result.status == "eligible"
    assert not result.spec.verified  # the venue's thresholds are unverified until checked

    short = titled()
    factories.make_annual(short, 2025, revenue=50000, profit=5000)  # no 2024 figures
    result = selectors.conditions(short, venue="szse_chinext", date=on)
    rows = {r.spec.code: r for r in result.thresholds}
    assert rows["profit-last"].status == "missed"  # 5000 < 6000
    assert rows["profit-2y"].status == "unknown" and rows["growth"].status == "unknown"
    assert "2024" in rows["profit-2y"].basis  # says which statistics are missing
    assert result.status == "not_eligible"

    unknown = titled()
    result = selectors.conditions(unknown, venue="szse_chinext", date=on)
    assert result.counts() == {"met": 1, "missed": 0, "unknown": 4}  # only the title is known
    assert result.status == "unknown"


def test_star_market_alternatives_need_one_option():
    e = titled()
    factories.make_annual(e, 2025, revenue=12000, profit=100, rd_expense=720)  # one profitable year only
    result = selectors.conditions(e, venue="sse_star", date=D(2026, 6, 1))
    # option b: last year's profit 100 > 0 and revenue 12000 ≥ 10000 → the profit group is met even though
    # option a (two years) is unknown; R&D 720 / 12000 = 6 % ≥ 5 %
    assert result.status == "eligible"


def test_proposals_list_met_and_unknown_not_missed_nor_listed_ones(city_operator):
    strong = titled(name="甲强企业有限公司")
    factories.make_annual(strong, TODAY.year - 1, revenue=50000, profit=7000)
    factories.make_annual(strong, TODAY.year - 2, revenue=40000, profit=4000)
    weak = titled(name="乙弱企业有限公司")
    factories.make_annual(weak, TODAY.year - 1, revenue=500, profit=-10)
    unknown = titled(name="丙未知企业有限公司")
    on_list = titled(name="丁已入库企业有限公司")
    entry(on_list)
    factories.make_enterprise("440781", name="戊无称号企业有限公司")  # no title that counts
    rows, spec = selectors.proposals(city_operator, venue="szse_chinext", date=TODAY)
    assert spec.code == "listing-chinext-2024"
    assert [(r.enterprise.name, r.result.status) for r in rows] == [
        ("甲强企业有限公司", "eligible"),
        ("丙未知企业有限公司", "unknown"),
    ]
    assert unknown  # listed as unknown above


# -- writes: the finance department city-wide, counties their own ---------------------------------


def test_finance_department_adds_any_county_and_records_a_step_and_an_action(client, finance_user):
    kaiping = titled("440783", name="开平上市培育有限公司")
    client.force_login(finance_user)
    response = client.post(
        reverse("enterprises:listing_entry_create"),
        {
            "enterprise": kaiping.pk,
            "target_venue": "bse",
            "target_year": 2027,
            "sponsor": "某某证券股份有限公司",
            "entered_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    e = ListingReserveEntry.objects.get(enterprise=kaiping)
    assert e.criteria_set.code == "listing-bse-2024" and e.precheck_status == "unknown"  # no statistics yet
    assert AuditLog.objects.filter(object_type="enterprises.listingreserveentry", object_id=str(e.pk)).exists()

    url = reverse("enterprises:listing_step_create", args=[e.pk])
    assert client.post(url, {"stage": "tutoring", "venue": "bse", "date": TODAY.isoformat()}).status_code == 302
    record = ListingRecord.objects.get(enterprise=kaiping)
    assert AuditLog.objects.filter(object_type="enterprises.listingrecord", object_id=str(record.pk)).exists()
    url = reverse("enterprises:listing_action_create", args=[e.pk])
    assert (
        client.post(url, {"kind": "matchmaking", "date": TODAY.isoformat(), "description": "上市对接会"}).status_code
        == 302
    )
    assert ListingAction.objects.get(entry=e).description == "上市对接会"

    page = client.get(reverse("enterprises:listing_entry", args=[e.pk])).content.decode()
    assert "辅导备案" in page and "上市对接会" in page and "某某证券股份有限公司" in page


def test_another_department_may_read_but_not_write(client, department_user):
    e = entry(titled())
    client.force_login(department_user)
    assert client.get(reverse("enterprises:listings")).status_code == 200
    assert client.get(reverse("enterprises:listing_entry", args=[e.pk])).status_code == 200
    assert client.get(reverse("enterprises:listing_entry_create")).status_code == 403
    response = client.post(
        reverse("enterprises:listing_step_create", args=[e.pk]),
        {"stage": "tutoring", "venue": "bse", "date": "2025-01-01"},
    )
    assert response.status_code == 403
    assert not ListingRecord.objects.exists()


def test_county_official_sees_and_changes_only_her_county_by_every_route(client, taishan_official):
    own = entry(titled("440781", name="台山上市培育有限公司"), sponsor="台山券商")
    other = entry(titled("440783", name="开平上市培育有限公司"), sponsor="开平券商")
    ListingRecord.objects.create(enterprise=other.enterprise, stage="tutoring", venue="bse", date=D(2025, 2, 1))
    client.force_login(taishan_official)
    page = client.get(reverse("enterprises:listings")).content.decode()
    assert "台山上市培育有限公司" in page and "开平上市培育有限公司" not in page
    for name in ("listing_entry", "listing_entry_update", "listing_step_create", "listing_action_create"):
        assert client.get(reverse(f"enterprises:{name}", args=[other.pk])).status_code == 404, name
    before = ListingRecord.objects.count()
    response = client.post(
        reverse("enterprises:listing_step_create", args=[other.pk]),
        {"stage": "accepted", "venue": "bse", "date": "2025-06-01"},
    )
    assert response.status_code == 404 and ListingRecord.objects.count() == before
    # the add form offers only her county's enterprises
    response = client.post(
        reverse("enterprises:listing_entry_create"),
        {"enterprise": titled("440783").pk, "target_venue": "bse", "target_year": 2027, "entered_on": "2025-01-01"},
    )
    assert response.status_code == 200 and "enterprise" in response.context["form"].errors
    # API
    listed = client.get("/api/v1/listing-pipeline/").json()
    assert [r["enterprise_name"] for r in listed["results"]] == ["台山上市培育有限公司"]
    assert client.get(f"/api/v1/listing-pipeline/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/listing-pipeline/{own.pk}/").status_code == 200


def test_api_gives_the_derived_stage_days_and_actions(client, city_operator):
    e = entry(titled(name="台山申报企业有限公司"), venue="bse", sponsor="某证券")
    since = TODAY - dt.timedelta(days=40)
    ListingRecord.objects.create(
        enterprise=e.enterprise, stage="tutoring", venue="bse", date=since - dt.timedelta(days=200)
    )
    ListingRecord.objects.create(enterprise=e.enterprise, stage="accepted", venue="bse", date=since)
    ListingAction.objects.create(entry=e, kind="policy", date=since, description="兑现上市奖励")
    client.force_login(city_operator)
    row = client.get(f"/api/v1/listing-pipeline/{e.pk}/").json()
    assert row["stage"] == "accepted" and row["days_in_stage"] == 40 and row["stage_since"] == since.isoformat()
    assert row["sponsor"] == "某证券" and row["filings"] == 1
    assert row["actions"] == [
        {"id": e.actions.get().pk, "kind": "policy", "date": since.isoformat(), "description": "兑现上市奖励"}
    ]


def test_one_active_entry_per_enterprise(city_operator):
    e = titled()
    services.entry_save(
        actor=city_operator,
        entry=ListingReserveEntry(enterprise=e, target_venue="bse", target_year=2026, entered_on=TODAY),
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.entry_save(
            actor=city_operator,
            entry=ListingReserveEntry(enterprise=e, target_venue="sse_star", target_year=2027, entered_on=TODAY),
        )
    assert "enterprise" in error.value.message_dict
    assert ListingReserveEntry.objects.count() == 1


# -- funnel page, goal page, workbook -------------------------------------------------------------


def _pipeline_city():
    """Two enterprises at 申报受理 or later holding a municipal title, one listed, one without a title."""
    a = titled(name="甲申报企业有限公司")
    ListingRecord.objects.create(enterprise=a, stage="accepted", venue="bse", date=TODAY - dt.timedelta(days=100))
    b = titled("440783", name="乙注册企业有限公司")
    ListingRecord.objects.create(enterprise=b, stage="registered", venue="sse_star", date=TODAY - dt.timedelta(days=10))
    c = titled(name="丙上市企业有限公司")
    ListingRecord.objects.create(enterprise=c, stage="listed", venue="szse_chinext", date=D(2025, 3, 3))
    d = factories.make_enterprise("440781", name="丁无称号企业有限公司")
    ListingRecord.objects.create(enterprise=d, stage="approved", venue="bse", date=TODAY - dt.timedelta(days=5))
    return a, b, c, d


def test_projection_from_the_records(city_operator):
    _pipeline_city()
    p = selectors.projection(city_operator, today=TODAY)
    # listed since 2024-01-01 holding a counting title: 丙 = 1; in review: 甲 (accepted), 乙 (registered); 丁 left out
    assert p.listed == 1 and p.in_review == 2 and p.left_out == 1
    by_name = {r.row.label: r for r in p.rows}
    # fixtures: accepted + 365 days, registered + 30 days (today is before the 2026-12-31 horizon by at least one day)
    assert by_name["甲申报企业有限公司"].expected_on == TODAY - dt.timedelta(days=100) + dt.timedelta(days=365)
    assert by_name["乙注册企业有限公司"].expected_on == TODAY + dt.timedelta(days=20)


def test_pipeline_page_shows_the_funnel_and_the_projection(client, city_operator, django_assert_max_num_queries):
    _pipeline_city()
    client.force_login(city_operator)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("enterprises:listings"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "乙注册企业有限公司" in page and "注册生效" in page
    funnel = response.context["funnel"]
    assert funnel.by_stage == {"accepted": 1, "registered": 1, "listed": 1, "approved": 1}
    assert response.context["projection"].in_review == 2
    assert 'id="listing-projection"' in page


def test_listings_goal_page_shows_the_projection_beside_the_goal(client, city_operator):
    _pipeline_city()
    client.force_login(city_operator)
    response = client.get(reverse("targets:indicator", args=["listings"]))
    assert response.status_code == 200
    assert response.context["projection"] is not None
    assert 'id="listing-projection"' in response.content.decode()
    other = client.get(reverse("targets:indicator", args=["national-giants"]))
    assert other.status_code in (200, 404) and (other.status_code == 404 or other.context["projection"] is None)


def test_quarterly_workbook_has_the_listing_sheet(city_operator, tmp_path):
    from openpyxl import load_workbook

    from reports.selectors import ReportScope
    from reports.services import report_write

    _pipeline_city()
    scope = ReportScope(user=city_operator, year=TODAY.year, quarter=(TODAY.month - 1) // 3 + 1)
    out = tmp_path / "r.xlsx"
    with out.open("wb") as f:
        report_write(scope=scope, output=f)
    ws = load_workbook(out, read_only=True)["上市后备企业"]
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    flat = [str(v) for row in values for v in row if v is not None]
    assert "乙注册企业有限公司" in flat and "甲申报企业有限公司" in flat
    labels = {row[0]: row[1] for row in values if len(row) > 1 and row[0]}
    assert labels["处于申报受理及以后"] == 2


def test_enterprise_page_links_to_its_reserve_entry(client, taishan_official):
    e = entry(titled(name="台山链接企业有限公司"), venue="bse")
    client.force_login(taishan_official)
    page = client.get(e.enterprise.get_absolute_url()).content.decode()
    assert f'href="/enterprises/listings/{e.pk}/"' in page and "北交所" in page


def test_an_entry_taken_off_the_list_by_its_removal_date_leaves_the_pipeline(client, finance_user):
    e = entry(titled(name="戊移出企业有限公司"))
    client.force_login(finance_user)
    url = reverse("enterprises:listing_entry_update", args=[e.pk])
    data = {"target_venue": "szse_chinext", "target_year": 2026, "entered_on": "2025-01-01", "version": e.version}
    # a removal before the entry date is refused at the field and changes nothing
    response = client.post(url, {**data, "removed_on": "2024-12-31"})
    assert response.status_code == 200 and "removed_on" in response.context["form"].errors
    e.refresh_from_db()
    assert e.removed_on is None
    assert client.post(url, {**data, "removed_on": "2025-06-30"}).status_code == 302
    e.refresh_from_db()
    assert e.removed_on == D(2025, 6, 30) and e.version == 2
    assert AuditLog.objects.filter(object_type="enterprises.listingreserveentry", object_id=str(e.pk)).exists()
    assert "戊移出企业有限公司" not in client.get(reverse("enterprises:listings")).content.decode()
    # the enterprise may be entered again later: one active entry, not one entry for ever
    again = services.entry_save(
        actor=finance_user,
        entry=ListingReserveEntry(enterprise=e.enterprise, target_venue="bse", target_year=2027, entered_on=TODAY),
    )
    assert again.pk != e.pk and ListingReserveEntry.objects.filter(enterprise=e.enterprise).count() == 2

"""Pages of dynamic management: calendar, forms, reserve pool, recommendations, pre-check, criteria;
scoping (another county's rows answer 404 by every route, read-only roles 403 on writes)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditLog
from enterprises.choices import TitleStatus
from enterprises.dynamics import selectors, services
from enterprises.models import (
    Criterion,
    ReserveEntry,
    ReserveStatus,
    ReviewOutcome,
    Tier,
    Title,
    TitleReview,
    add_years,
)
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def strong_candidate(county_code="440781", name=None):
    """An innovative-titled enterprise that meets the provincial criteria in force today with a known score."""
    e = factories.make_enterprise(county_code, **({"name": name} if name else {}))
    e.established_on, e.niche_market = dt.date(2012, 1, 1), "精密部件"
    e.save()
    factories.make_title(e, "innovative", TODAY - dt.timedelta(days=400))
    y = TODAY.year - 1
    factories.make_annual(
        e,
        y,
        revenue=5000,
        main_business_revenue=4500,
        profit=600,
        total_assets=4000,
        total_liabilities=1600,
        rd_expense=600,
        employees=100,
        rd_staff=25,
        class1_ip=5,
        digital_level=3,
        fills_tech_gap=True,
    )
    factories.make_annual(e, y - 1, revenue=4500, rd_expense=550)
    factories.make_annual(e, y - 2, revenue=4000)
    factories.make_rd_institution(e, "national-etc")
    return e


def expiring_title(enterprise, days=30):
    until = TODAY + dt.timedelta(days=days)
    return factories.make_title(enterprise, "innovative", until - dt.timedelta(days=1000), valid_until=until)


def test_calendar_page_lists_own_county_only(client, taishan_official, taishan_enterprise, kaiping_enterprise):
    expiring_title(taishan_enterprise)
    expiring_title(kaiping_enterprise)
    client.force_login(taishan_official)
    page = client.get("/enterprises/dynamics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert taishan_enterprise.name in html and kaiping_enterprise.name not in html
    assert client.get("/enterprises/dynamics/?window=180&date=bad").status_code == 200  # bad date: message, no crash


def test_calendar_query_count_does_not_grow(client, city_operator, django_assert_max_num_queries):
    for _ in range(3):
        expiring_title(factories.make_enterprise("440781"))
    client.force_login(city_operator)
    with django_assert_max_num_queries(30) as first:
        client.get("/enterprises/dynamics/")
    for _ in range(20):
        expiring_title(factories.make_enterprise("440783"))
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get("/enterprises/dynamics/").status_code == 200


def test_calendar_lists_are_paged_each_on_its_own(client, taishan_official, kaiping_enterprise):
    # 25 titles of 台山 expiring within 30 days (one per day, so the order is known) and one of 开平:
    # 20 on the first page of the list, the last 5 on the second; the other lists keep their page.
    titles = [expiring_title(factories.make_enterprise("440781"), days=1 + i) for i in range(25)]
    expiring_title(kaiping_enterprise)
    client.force_login(taishan_official)
    html = client.get("/enterprises/dynamics/").content.decode()
    shown = [int(pk) for pk in re.findall(r'tr data-title="(\d+)"', html)]
    assert shown == [t.pk for t in titles[:20]]
    assert "expiring_page=2#expiring" in html and "第 1 / 2 页（共 25 条）" in html.replace("\n", "")
    html = client.get("/enterprises/dynamics/?expiring_page=2&lost_page=x").content.decode()
    assert [int(pk) for pk in re.findall(r'tr data-title="(\d+)"', html)] == [t.pk for t in titles[20:]]


def test_review_form_records_outcome(client, taishan_official, taishan_enterprise):
    title = expiring_title(taishan_enterprise)
    client.force_login(taishan_official)
    url = f"/enterprises/dynamics/titles/{title.pk}/review/"
    assert client.get(url).status_code == 200
    # Bad input: passed without a decision date → the form says so (in Chinese), nothing changes.
    response = client.post(url, {"outcome": "passed", "version": title.version})
    assert response.status_code == 200
    assert "已作出结果的复核须填写决定日期" in response.content.decode()
    assert not TitleReview.objects.exists()
    old_until = title.valid_until
    response = client.post(
        url, {"outcome": "passed", "decided_on": TODAY.isoformat(), "document_no": "A1", "version": title.version}
    )
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.valid_until == add_years(old_until + dt.timedelta(days=1), 3)


def test_stale_review_form_is_refused(client, taishan_official, taishan_enterprise):
    title = expiring_title(taishan_enterprise)
    client.force_login(taishan_official)
    response = client.post(
        f"/enterprises/dynamics/titles/{title.pk}/review/", {"outcome": "pending", "version": title.version + 5}
    )
    assert response.status_code == 200
    title.refresh_from_db()
    assert title.status == TitleStatus.VALID and not TitleReview.objects.exists()


def test_revoke_form(client, taishan_official, taishan_enterprise):
    title = expiring_title(taishan_enterprise)
    client.force_login(taishan_official)
    url = f"/enterprises/dynamics/titles/{title.pk}/revoke/"
    response = client.post(
        url, {"ground": "incident", "revoked_on": (TODAY + dt.timedelta(days=3)).isoformat(), "version": title.version}
    )
    assert response.status_code == 200  # future date refused
    title.refresh_from_db()
    assert title.status == TitleStatus.VALID
    response = client.post(url, {"ground": "incident", "revoked_on": TODAY.isoformat(), "version": title.version})
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.status == TitleStatus.REVOKED


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_county_gets_404_on_every_write_route(client, method, kaiping_official, taishan_enterprise):
    title = expiring_title(taishan_enterprise)
    entry = ReserveEntry.objects.create(
        enterprise=taishan_enterprise,
        target_tier=Tier.objects.get(code="provincial"),
        year=TODAY.year,
        recommended_on=TODAY,
    )
    client.force_login(kaiping_official)
    data = {
        "outcome": "pending",
        "ground": "incident",
        "revoked_on": TODAY.isoformat(),
        "status": "applied",
        "on_date": TODAY.isoformat(),
    }
    for url in (
        f"/enterprises/dynamics/titles/{title.pk}/review/",
        f"/enterprises/dynamics/titles/{title.pk}/revoke/",
        f"/enterprises/dynamics/reserve/entries/{entry.pk}/advance/",
    ):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, url
    assert client.get(f"/enterprises/dynamics/precheck/{taishan_enterprise.pk}/").status_code == 404
    response = client.post(
        "/enterprises/dynamics/reserve/recommend/",
        {"enterprise": taishan_enterprise.pk, "tier": "provincial", "year": TODAY.year},
    )
    assert response.status_code == 404
    title.refresh_from_db()
    entry.refresh_from_db()
    assert title.status == TitleStatus.VALID and entry.status == ReserveStatus.RECOMMENDED
    assert ReserveEntry.objects.count() == 1 and not TitleReview.objects.exists()
    entries_page = client.get("/enterprises/dynamics/reserve/entries/").content.decode()
    assert taishan_enterprise.name not in entries_page


def test_read_only_roles_get_403_on_writes(client, viewer, department_user, system_admin, taishan_enterprise):
    title = expiring_title(taishan_enterprise)
    for user in (viewer, department_user):
        client.force_login(user)
        assert client.get("/enterprises/dynamics/").status_code == 200
        assert (
            client.post(f"/enterprises/dynamics/titles/{title.pk}/review/", {"outcome": "pending"}).status_code == 403
        )
        assert (
            client.post(
                "/enterprises/dynamics/reserve/recommend/",
                {"enterprise": taishan_enterprise.pk, "tier": "provincial", "year": TODAY.year},
            ).status_code
            == 403
        )
        assert client.get(f"/enterprises/dynamics/criteria/{Criterion.objects.first().pk}/edit/").status_code == 403
    client.force_login(system_admin)
    assert client.get("/enterprises/dynamics/").status_code == 403
    assert client.get("/enterprises/dynamics/reserve/").status_code == 403
    assert not TitleReview.objects.exists() and not ReserveEntry.objects.exists()


def test_reserve_pool_recommend_and_track_to_recognition(client, taishan_official, kaiping_official):
    strong = strong_candidate(name="台山强候选有限公司")
    weak = factories.make_enterprise("440781", name="台山弱候选有限公司")
    factories.make_title(weak, "innovative", TODAY - dt.timedelta(days=400))
    other = strong_candidate("440783", name="开平强候选有限公司")
    client.force_login(taishan_official)
    page = client.get("/enterprises/dynamics/reserve/?tier=provincial")
    html = page.content.decode()
    assert page.status_code == 200
    assert strong.name in html and other.name not in html and weak.name not in html  # weak is undetermined
    html_all = client.get("/enterprises/dynamics/reserve/?tier=provincial&result=all").content.decode()
    assert weak.name in html_all and other.name not in html_all

    response = client.post(
        "/enterprises/dynamics/reserve/recommend/", {"enterprise": strong.pk, "tier": "provincial", "year": TODAY.year}
    )
    assert response.status_code == 302
    entry = ReserveEntry.objects.get(enterprise=strong)
    assert entry.precheck_status == "eligible" and entry.precheck_score is not None and entry.criteria_set
    # The same again is refused with a message, not a crash.
    client.post(
        "/enterprises/dynamics/reserve/recommend/", {"enterprise": strong.pk, "tier": "provincial", "year": TODAY.year}
    )
    assert ReserveEntry.objects.count() == 1

    url = f"/enterprises/dynamics/reserve/entries/{entry.pk}/advance/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"status": "recognised", "on_date": TODAY.isoformat(), "version": entry.version})
    assert bad.status_code == 200  # recommended cannot jump to recognised
    assert (
        client.post(url, {"status": "applied", "on_date": TODAY.isoformat(), "version": entry.version}).status_code
        == 302
    )
    entry.refresh_from_db()
    assert (
        client.post(
            url,
            {
                "status": "recognised",
                "on_date": TODAY.isoformat(),
                "document_no": "粤工信〔X〕1号",
                "version": entry.version,
            },
        ).status_code
        == 302
    )
    entry.refresh_from_db()
    assert entry.status == ReserveStatus.RECOGNISED and entry.title.tier.code == "provincial"
    assert Title.objects.valid_on(TODAY).filter(enterprise=strong, tier__code="provincial").exists()
    assert AuditLog.objects.filter(object_type="enterprises.reserveentry", object_id=str(entry.pk)).count() == 3
    assert client.get("/enterprises/dynamics/reserve/entries/").status_code == 200
    # Once provincial, it leaves the provincial pool.
    assert strong.name not in client.get("/enterprises/dynamics/reserve/?tier=provincial&result=all").content.decode()

    client.force_login(kaiping_official)
    assert strong.name not in client.get("/enterprises/dynamics/reserve/entries/").content.decode()


def test_recommending_a_not_eligible_enterprise_needs_a_reason(taishan_official):
    e = factories.make_enterprise("440781")
    factories.make_title(e, "provincial", TODAY - dt.timedelta(days=400))  # no figures: national needs them
    factories.make_annual(e, TODAY.year - 1, revenue=100, main_business_revenue=50)
    national = Tier.objects.get(code="national")
    result = selectors.precheck_enterprise(e, tier=national, date=TODAY)
    assert result.status == "not_eligible"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.reserve_recommend(actor=taishan_official, enterprise=e, tier=national, year=TODAY.year)
    assert not ReserveEntry.objects.exists()
    entry = services.reserve_recommend(
        actor=taishan_official, enterprise=e, tier=national, year=TODAY.year, note="已获国家级奖项，材料另附"
    )
    assert entry.precheck_status == "not_eligible"


def test_precheck_page_and_criteria_pages(client, taishan_official, city_operator):
    e = strong_candidate()
    client.force_login(taishan_official)
    html = client.get(f"/enterprises/dynamics/precheck/{e.pk}/?tier=provincial").content.decode()
    assert 'data-criterion="ladder"' in html and 'data-status="met"' in html
    assert client.get(f"/enterprises/dynamics/precheck/{e.pk}/?tier=municipal").status_code == 200  # no criteria set
    assert client.get("/enterprises/dynamics/criteria/").status_code == 200
    criterion = Criterion.objects.get(criteria_set__code="provincial-2026", code="revenue")
    assert client.get(f"/enterprises/dynamics/criteria/{criterion.pk}/edit/").status_code == 403  # county user

    client.force_login(city_operator)
    url = f"/enterprises/dynamics/criteria/{criterion.pk}/edit/"
    form = {"name": criterion.name, "operator": "gte", "threshold": "1800", "upper_operator": "lt", "note": "试行"}
    assert client.post(url, form).status_code == 302
    criterion.refresh_from_db()
    assert criterion.threshold == Decimal("1800")
    assert AuditLog.objects.filter(object_type="enterprises.criterion", object_id=str(criterion.pk)).exists()
    bad = client.post(url, {**form, "threshold": ""})  # a threshold needs its value
    assert bad.status_code == 200
    criterion.refresh_from_db()
    assert criterion.threshold == Decimal("1800")


def test_reserve_pool_query_count_is_constant(city_operator, django_assert_max_num_queries):
    provincial = Tier.objects.get(code="provincial")
    strong_candidate()
    with django_assert_max_num_queries(20) as first:
        rows = selectors.reserve_pool(city_operator, tier=provincial, date=TODAY, year=TODAY.year)
    assert len(rows) == 1
    for _ in range(15):
        strong_candidate("440783")
    with django_assert_max_num_queries(len(first.captured_queries)):
        rows = selectors.reserve_pool(city_operator, tier=provincial, date=TODAY, year=TODAY.year)
    assert len(rows) == 16


def test_reserve_pool_counts_for_dashboards(taishan_official):
    strong_candidate()
    strong_candidate("440783")
    e = strong_candidate()
    services.reserve_recommend(
        actor=taishan_official, enterprise=e, tier=Tier.objects.get(code="provincial"), year=TODAY.year
    )
    counts = selectors.reserve_pool_counts(None, date=TODAY)
    assert counts["440781"]["provincial"] == {"eligible": 2, "unknown": 0, "recommended": 1}
    assert counts["440783"]["provincial"]["eligible"] == 1
    assert set(selectors.reserve_pool_counts(taishan_official, date=TODAY)) == {"440781"}


def test_review_outcome_listed_on_calendar(client, taishan_official, taishan_enterprise):
    title = expiring_title(taishan_enterprise)
    services.review_record(actor=taishan_official, title=title, outcome=ReviewOutcome.FAILED, decided_on=TODAY)
    client.force_login(taishan_official)
    html = client.get("/enterprises/dynamics/").content.decode()
    assert html.count(taishan_enterprise.name) >= 2  # in outcomes and in titles lost

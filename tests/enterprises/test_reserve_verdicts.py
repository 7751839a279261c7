"""The reserve pool read from precomputed verdicts (issue 17): the same candidates, order, counts and
results as the live pre-check on a hand-built city; refreshed after a statistics import, by the
command and nightly; live for another date; scoped by county; a query count that does not grow.

The hand-built city (provincial tier, criteria set ``provincial-2026``, minimum score 50):

==============  ======  ==========================================  ==============  =====
enterprise      county  records                                     result          score
==============  ======  ==========================================  ==============  =====
台山A精密        台山    ``strong``: every threshold met             eligible        76
台山B精密        台山    the same                                    eligible        76
开平A精密        开平    the same without the R&D institution        eligible        66
台山C精密        台山    innovative title, no statistics             undetermined
开平D精密        开平    ``strong`` with revenue 1,000 (< 1,500)     not eligible
台山E省级        台山    holds the provincial title                  not a candidate
台山F无称号      台山    no innovative title (the rung below)        not a candidate
==============  ======  ==========================================  ==============  =====

The lowest score of ``strong`` (dimension caps 25/25/15/35 not reached): main-business share
4,500/5,000 = 90 % → 5; average revenue growth (5,000/4,500 − 1 = 11.1 %, 4,500/4,000 − 1 = 12.5 %)
→ 10; niche years since 2012 (≥ 10) → 5; fills a technology gap → 5; digital level 3 → 5; quality
certification not collected → 0; profit margin 600/5,000 = 12 % → 10; debt ratio 1,600/4,000 = 40 %
→ 5; local characteristic not collected → 0; class-I IP 5 → 6; R&D expense 600 (≥ 500) → 10; R&D
staff 25/100 = 25 % → 5; national R&D institution (rank 3) → 10. Total 76; without the institution 66.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from enterprises.dynamics import selectors, services
from enterprises.models import ReservePoolRefresh, ReserveVerdict, Statistic, Tier
from enterprises.signals import statistics_changed
from enterprises.workbench import reserve_todos
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
POOL = "/enterprises/dynamics/reserve/"


def strong(county_code: str, name: str, *, institution: bool = True, revenue: int = 5000):
    e = factories.make_enterprise(county_code, name=name)
    e.established_on, e.niche_market = dt.date(2012, 1, 1), "精密部件"
    e.save()
    factories.make_title(e, "innovative", TODAY - dt.timedelta(days=400))
    y = TODAY.year - 1
    factories.make_annual(
        e,
        y,
        revenue=revenue,
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
    if institution:
        factories.make_rd_institution(e, "national-etc")
    return e


@pytest.fixture
def city(db):
    c = {
        "ts_a": strong("440781", "台山A精密有限公司"),
        "ts_b": strong("440781", "台山B精密有限公司"),
        "kp_a": strong("440783", "开平A精密有限公司", institution=False),
        "ts_c": factories.make_enterprise("440781", name="台山C精密有限公司"),
        "kp_d": strong("440783", "开平D精密有限公司", revenue=1000),
        "ts_e": strong("440781", "台山E省级有限公司"),
        "ts_f": factories.make_enterprise("440781", name="台山F无称号有限公司"),
    }
    factories.make_title(c["ts_c"], "innovative", TODAY - dt.timedelta(days=400))
    factories.make_title(c["ts_e"], "provincial", TODAY - dt.timedelta(days=100))
    return c


def shown(client, query: str = "") -> list[int]:
    """The enterprise ids of the pool page's rows, in order."""
    html = client.get(f"{POOL}?tier=provincial{query}").content.decode()
    return [int(pk) for pk in re.findall(r'<tr data-enterprise="(\d+)"', html)]


def counts_shown(client, query: str = "") -> dict[str, int]:
    html = client.get(f"{POOL}?tier=provincial{query}").content.decode()
    return {k: int(n) for k, n in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_the_precomputed_pool_is_the_hand_worked_one_and_the_live_one(client, city_operator, city):
    assert services.reserve_verdicts_refresh(date=TODAY)["provincial"] == 5
    stored = {v.enterprise_id: v for v in ReserveVerdict.objects.filter(tier__code="provincial")}
    c = city
    assert {pk: v.status for pk, v in stored.items()} == {
        c["ts_a"].pk: "eligible",
        c["ts_b"].pk: "eligible",
        c["kp_a"].pk: "eligible",
        c["ts_c"].pk: "unknown",
        c["kp_d"].pk: "not_eligible",
    }
    assert [stored[c[k].pk].score_min for k in ("ts_a", "ts_b", "kp_a")] == [
        Decimal("76"),
        Decimal("76"),
        Decimal("66"),
    ]
    assert stored[c["kp_a"].pk].county.code == "440783" and stored[c["ts_a"].pk].name == "台山A精密有限公司"
    order = [c["ts_a"].pk, c["ts_b"].pk, c["kp_a"].pk, c["ts_c"].pk, c["kp_d"].pk]

    client.force_login(city_operator)
    page = client.get(f"{POOL}?tier=provincial&result=all").content.decode()
    assert "预审结果计算于" in page
    assert shown(client, "&result=all") == order
    assert shown(client) == order[:3]  # eligible (the default)
    assert shown(client, "&result=unknown") == [c["ts_c"].pk]
    assert shown(client, "&result=not_eligible") == [c["kp_d"].pk]
    expected_counts = {"eligible": 3, "unknown": 1, "not_eligible": 1, "all": 5}
    assert counts_shown(client) == expected_counts
    assert selectors.reserve_pool_counts(None, date=TODAY)["440781"]["provincial"] == {
        "eligible": 2,
        "unknown": 1,
        "recommended": 0,
    }
    assert selectors.reserve_pool_counts(None, date=TODAY)["440783"]["provincial"] == {
        "eligible": 1,
        "unknown": 0,
        "recommended": 0,
    }

    # The live computation (no fresh verdicts) gives the same page.
    ReservePoolRefresh.objects.all().delete()
    page = client.get(f"{POOL}?tier=provincial&result=all").content.decode()
    assert "预审结果计算于" not in page
    assert shown(client, "&result=all") == order
    assert counts_shown(client) == expected_counts


def test_open_only_and_the_home_to_do_leave_out_the_recommended(client, taishan_official, city):
    services.reserve_verdicts_refresh(date=TODAY)
    provincial = Tier.objects.get(code="provincial")
    services.reserve_recommend(actor=taishan_official, enterprise=city["ts_a"], tier=provincial, year=TODAY.year)
    client.force_login(taishan_official)
    assert shown(client, f"&open=1&year={TODAY.year}") == [city["ts_b"].pk]
    assert counts_shown(client, f"&open=1&year={TODAY.year}") == {
        "eligible": 1,
        "unknown": 1,
        "not_eligible": 0,
        "all": 2,
    }
    assert shown(client, f"&year={TODAY.year}") == [city["ts_a"].pk, city["ts_b"].pk]
    todo = next(t for t in reserve_todos(taishan_official, TODAY) if "open=1" in t.url and "provincial" in t.url)
    assert todo.count == 1  # 台山B (台山A is recommended; 开平A is another county's)


def test_a_county_official_sees_only_her_countys_verdicts(client, taishan_official, kaiping_official, city):
    services.reserve_verdicts_refresh(date=TODAY)
    client.force_login(taishan_official)
    kaiping = {city["kp_a"].pk, city["kp_d"].pk}
    for query in (
        "&result=all",
        "&result=not_eligible",
        "&result=all&page=2",
        "&result=all&county=440783",
        "&result=all&open=1",
        f"&result=all&year={TODAY.year + 1}",
    ):
        assert not kaiping & set(shown(client, query)), query
    assert shown(client, "&result=all") == [city["ts_a"].pk, city["ts_b"].pk, city["ts_c"].pk]
    assert counts_shown(client, "&result=all") == {"eligible": 2, "unknown": 1, "not_eligible": 0, "all": 3}
    assert set(selectors.reserve_pool_counts(taishan_official, date=TODAY)) == {"440781"}

    # A move to another county follows at once: the verdict is no longer hers.
    moved = city["ts_b"]
    moved.county = city["kp_a"].county
    moved.save()
    assert ReserveVerdict.objects.get(enterprise=moved).county.code == "440783"
    assert shown(client, "&result=all") == [city["ts_a"].pk, city["ts_c"].pk]
    client.force_login(kaiping_official)
    assert shown(client, "&result=all") == [city["ts_b"].pk, city["kp_a"].pk, city["kp_d"].pk]


def test_a_move_by_import_follows_before_the_refresh(
    client, city_operator, taishan_official, city, django_capture_on_commit_callbacks
):
    """A roster import writes enterprises in bulk (no ``save``); once committed, the stored
    verdicts follow its moves and names. A statistics import leaves them alone."""
    from tests.enterprises.imports.test_roster import MOVE_HEADERS, book
    from tests.enterprises.imports.test_roster import check as roster_check
    from tests.enterprises.imports.test_roster import commit as roster_commit

    services.reserve_verdicts_refresh(date=TODAY)
    ts_b = city["ts_b"]
    row = [ts_b.credit_code, "开平B精密有限公司", "开平市", "", "", "", "", "", TODAY.isoformat()]
    with patch("enterprises.dynamics.services.reserve_verdicts_follow_all") as follow:
        statistics_changed.send(sender=Statistic, import_id=0)  # not a roster import: nothing to follow
    follow.assert_not_called()
    imp = roster_check(city_operator, book([row], headers=MOVE_HEADERS))
    assert imp.errors == [], imp.errors
    with django_capture_on_commit_callbacks(execute=True):  # statistics_changed is sent on commit
        roster_commit(city_operator, imp)
    verdict = ReserveVerdict.objects.get(enterprise=ts_b)
    assert (verdict.county.code, verdict.name) == ("440783", "开平B精密有限公司")
    assert ReserveVerdict.objects.get(enterprise=city["ts_a"]).county.code == "440781"  # untouched
    client.force_login(taishan_official)
    assert shown(client, "&result=all") == [city["ts_a"].pk, city["ts_c"].pk]


def test_the_refresh_after_a_statistics_import_changes_a_verdict(
    settings, client, city_operator, city, django_capture_on_commit_callbacks
):
    from targets import services as targets_services
    from tests.targets.conftest import _task_always_eager

    services.reserve_verdicts_refresh(date=TODAY)
    kp_d = city["kp_d"]
    assert ReserveVerdict.objects.get(enterprise=kp_d).status == "not_eligible"
    settings.TARGETS_RECOMPUTE_ON_CHANGE = True
    eager = _task_always_eager(True)
    next(eager)
    try:
        targets_services.recompute_runner.flush()
        # What an import does: a bulk write, then ``statistics_changed`` once committed.
        with django_capture_on_commit_callbacks(execute=True):
            Statistic.objects.filter(enterprise=kp_d, year=TODAY.year - 1, quarter=4).update(revenue=5000)
            statistics_changed.send(sender=Statistic, import_id=None)
        with django_capture_on_commit_callbacks(execute=True):
            assert targets_services.recompute_runner.flush()  # the recompute, then the refresh
    finally:
        next(eager, None)
    verdict = ReserveVerdict.objects.get(enterprise=kp_d)
    assert verdict.status == "eligible" and verdict.score_min == Decimal("76")  # as 台山A now
    client.force_login(city_operator)
    # 76 points: 台山A, 台山B, 开平D by name (台 U+53F0 before 开 U+5F00); then 开平A with 66.
    assert shown(client) == [city["ts_a"].pk, city["ts_b"].pk, kp_d.pk, city["kp_a"].pk]


def test_another_date_is_computed_live(client, city_operator, city):
    services.reserve_verdicts_refresh(date=TODAY)
    late = strong("440781", "台山G新增有限公司")  # not refreshed yet
    client.force_login(city_operator)
    today_ids = shown(client, "&result=all")
    assert late.pk not in today_ids and len(today_ids) == 5  # the stored verdicts
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    html = client.get(f"{POOL}?tier=provincial&result=all&date={yesterday}").content.decode()
    assert "预审结果计算于" not in html
    assert late.pk in shown(client, f"&result=all&date={yesterday}")  # computed live
    # Verdicts of another day are not fresh either.
    ReservePoolRefresh.objects.update(computed_for=TODAY - dt.timedelta(days=1))
    assert late.pk in shown(client, "&result=all")


def test_a_criterion_edit_sends_the_pool_live_until_the_refresh(city_operator, city):
    from enterprises.models import Criterion

    services.reserve_verdicts_refresh(date=TODAY)
    provincial = Tier.objects.get(code="provincial")
    assert selectors.stored_pool(None, tier=provincial, date=TODAY) is not None
    criterion = Criterion.objects.get(criteria_set__code="provincial-2026", code="revenue")
    criterion.threshold = Decimal("6000")
    services.criterion_save(actor=city_operator, criterion=criterion)
    assert selectors.stored_pool(None, tier=provincial, date=TODAY) is None


def test_the_page_query_count_does_not_grow_with_the_candidates(
    client, city_operator, city, django_assert_max_num_queries
):
    client.force_login(city_operator)
    services.reserve_verdicts_refresh(date=TODAY)
    with django_assert_max_num_queries(40) as small:
        assert len(shown(client, "&result=all")) == 5
    for i in range(25):
        strong("440785", f"恩平{i:02d}精密有限公司")
    services.reserve_verdicts_refresh(date=TODAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(shown(client, "&result=all")) == 20  # one page of 30 candidates


def test_the_command_refreshes_every_tier_with_criteria(city):
    call_command("refresh_reserve_verdicts", stdout=open("/dev/null", "w"))
    refresh = ReservePoolRefresh.objects.get(tier__code="provincial")
    assert refresh.computed_for == TODAY and refresh.candidates == 5
    assert refresh.criteria_set.code == "provincial-2026"
    assert ReserveVerdict.objects.filter(tier__code="provincial").count() == 5
    # Idempotent: run again, the same rows (replaced, not added).
    call_command("refresh_reserve_verdicts", stdout=open("/dev/null", "w"))
    assert ReserveVerdict.objects.filter(tier__code="provincial").count() == 5


def test_the_refresh_runs_nightly_and_after_each_recompute():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "enterprises.refresh_reserve_verdicts"]
    assert len(entries) == 1
    assert settings.CELERY_TASK_ROUTES["enterprises.refresh_reserve_verdicts"] == {"queue": "recompute"}
    from core import jobs

    assert jobs.task(services.REFRESH_VERDICTS_TASK).name == "enterprises.refresh_reserve_verdicts"

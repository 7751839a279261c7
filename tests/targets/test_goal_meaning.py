"""The meaning of the goal figures on messy data (issue 13), each value worked out by hand below.

Three counties: 台山 T (440781), 开平 K (440783), 鹤山 H (440784). Computed as of D = 2025-06-30
(the latest quarter ended is 2025Q2), baseline B = 2023-12-31. Share of time on D: 547 of 1,096
days (0.4991).

    c1 T provincial 2022-09-01 (valid → 2025-08-31)  2023Q2 output 100 profit 10 · 2025Q2 output 150 profit 12 patents 2
    c2 T provincial 2023-03-01                        2023Q2 output 200 profit 20 · 2025Q2 output 300 (no profit)
                                                       listed 2024-08-01 (holds a valid provincial title that day)
    c3 T provincial 2023-05-01                        2025Q2 output 999 profit 50, nothing in 2023: unmatched
    c4 K provincial 2023-01-10                        2023Q1 output 80 profit 8 · 2025Q1 output 120 profit 4
                                                       (Kaiping has not reported 2025Q2)
    c5 H provincial 2022-12-01, DEREGISTERED from 2024-10-01 (gone mid-period)
                                                       2023Q2 output 50 · 2024Q2 output 60
    h2 H provincial 2024-03-01                        2025Q1 patents 3
    k2 K provincial 2024-06-01, moved out from 2025-07-15 (after D: still counts on D)
    r1 T municipal 2022-01-01 revoked from 2023-06-01, listed 2024-05-01 (listing after a revocation)
    k3 K municipal 2024-09-01, listed 2024-03-01 (listed before it held a title)

The cohort (valid provincial title on 2023-12-31, none gone by then): c1, c2, c3 (T), c4 (K), c5 (H).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditLog, Place
from core.services import StaleEditError
from enterprises import services as enterprise_services
from enterprises.choices import EnterpriseStatus, ListingStage, ListingVenue, TitleStatus
from enterprises.dynamics.services import titles_mark_lapsed
from enterprises.filtersets import EnterpriseFilterSet
from enterprises.forms import EnterpriseForm, TitleForm
from enterprises.models import Enterprise, EnterpriseStatusChange, ListingRecord, Title, gone_by
from targets import compute, selectors, services
from targets.choices import ProgressStatus
from targets.models import Allocation, Indicator, Plan
from tests import factories

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 30)
B = dt.date(2023, 12, 31)
T, K, H = "440781", "440783", "440784"
TIME = Decimal("0.4991")  # 547 / 1096, as stored (4 places)


def _status_change(enterprise, status, on):
    EnterpriseStatusChange.objects.create(enterprise=enterprise, status=status, effective_on=on)
    Enterprise.objects.filter(pk=enterprise.pk).update(status=status)


def _listing(enterprise, date):
    ListingRecord.objects.create(enterprise=enterprise, stage=ListingStage.LISTED, venue=ListingVenue.BSE, date=date)


@pytest.fixture
def messy(db):
    f = factories
    e = {}
    e["c1"] = f.make_enterprise(T, name="一号精密")
    f.make_title(e["c1"], "provincial", dt.date(2022, 9, 1))
    f.make_statistic(e["c1"], 2023, 2, output_value=Decimal(100), profit=Decimal(10))
    f.make_statistic(e["c1"], 2025, 2, output_value=Decimal(150), profit=Decimal(12), invention_patents=2)
    e["c2"] = f.make_enterprise(T, name="二号机械")
    f.make_title(e["c2"], "provincial", dt.date(2023, 3, 1))
    f.make_statistic(e["c2"], 2023, 2, output_value=Decimal(200), profit=Decimal(20))
    f.make_statistic(e["c2"], 2025, 2, output_value=Decimal(300))
    _listing(e["c2"], dt.date(2024, 8, 1))
    e["c3"] = f.make_enterprise(T, name="三号电子")
    f.make_title(e["c3"], "provincial", dt.date(2023, 5, 1))
    f.make_statistic(e["c3"], 2025, 2, output_value=Decimal(999), profit=Decimal(50))
    e["c4"] = f.make_enterprise(K, name="四号卫浴")
    f.make_title(e["c4"], "provincial", dt.date(2023, 1, 10))
    f.make_statistic(e["c4"], 2023, 1, output_value=Decimal(80), profit=Decimal(8))
    f.make_statistic(e["c4"], 2025, 1, output_value=Decimal(120), profit=Decimal(4))
    e["c5"] = f.make_enterprise(H, name="五号化工")
    f.make_title(e["c5"], "provincial", dt.date(2022, 12, 1))
    f.make_statistic(e["c5"], 2023, 2, output_value=Decimal(50))
    f.make_statistic(e["c5"], 2024, 2, output_value=Decimal(60))
    _status_change(e["c5"], EnterpriseStatus.DEREGISTERED, dt.date(2024, 10, 1))
    e["h2"] = f.make_enterprise(H, name="六号材料")
    f.make_title(e["h2"], "provincial", dt.date(2024, 3, 1))
    f.make_statistic(e["h2"], 2025, 1, invention_patents=3)
    e["k2"] = f.make_enterprise(K, name="七号纸业")
    f.make_title(e["k2"], "provincial", dt.date(2024, 6, 1))
    _status_change(e["k2"], EnterpriseStatus.MOVED_OUT, dt.date(2025, 7, 15))
    e["r1"] = f.make_enterprise(T, name="八号家电")
    f.make_title(e["r1"], "municipal", dt.date(2022, 1, 1), status=TitleStatus.REVOKED, ended_on=dt.date(2023, 6, 1))
    _listing(e["r1"], dt.date(2024, 5, 1))
    e["k3"] = f.make_enterprise(K, name="九号五金")
    f.make_title(e["k3"], "municipal", dt.date(2024, 9, 1))
    _listing(e["k3"], dt.date(2024, 3, 1))
    return e


def county(code):
    return Place.objects.get(code=code)


def parts(code, date=D):
    return compute.compute_parts(Indicator.objects.get(code=code), date)


def rows_by_code(snapshot, code=None):
    return {r.code: r for r in selectors.dashboard_rows(snapshot, county(code) if code else None)}


# -- 1. completion -----------------------------------------------------------------------------------


def test_completion_of_a_target_at_or_below_the_baseline():
    share = services.share_done
    # The demo's 鹤山市: baseline 155, now 250, target 140 → 250 / 140, not −633.3 %.
    assert share(value=Decimal(250), baseline=Decimal(155), target=Decimal(140)) == Decimal(250) / Decimal(140)
    # Target = baseline = 6: now 10 → 10 / 6; now 6 → exactly 1; now 3 → 0.5.
    assert share(value=Decimal(10), baseline=Decimal(6), target=Decimal(6)) == Decimal(10) / Decimal(6)
    assert share(value=Decimal(6), baseline=Decimal(6), target=Decimal(6)) == 1
    assert share(value=Decimal(3), baseline=Decimal(6), target=Decimal(6)) == Decimal("0.5")
    # Target above the baseline: gain. Below the baseline: 0, never negative.
    assert share(value=Decimal(30), baseline=Decimal(20), target=Decimal(40)) == Decimal("0.5")
    assert share(value=Decimal(10), baseline=Decimal(20), target=Decimal(40)) == 0
    # The level rule: current ÷ target, whatever the baseline.
    assert share(value=Decimal(30), baseline=Decimal(20), target=Decimal(40), rule="level") == Decimal("0.75")


@pytest.mark.parametrize(("baseline", "target"), [(155, 140), (6, 6), (20, 40), (0, 3)])
def test_completion_is_monotone_never_negative_and_one_at_the_target(baseline, target):
    values = [
        services.share_done(value=Decimal(v), baseline=Decimal(baseline), target=Decimal(target)) for v in range(0, 300)
    ]
    assert all(v >= 0 for v in values)
    assert values == sorted(values)
    assert values[target] == 1


def test_reaching_the_target_is_achieved_whatever_the_baseline():
    plan = Plan.objects.get()
    status = services.progress_status
    for baseline, value, target in [(155, 250, 140), (6, 10, 6), (6, 6, 6), (0, 3, 3)]:
        done = services.share_done(value=Decimal(value), baseline=Decimal(baseline), target=Decimal(target))
        assert (
            status(
                plan=plan,
                direction="at_least",
                value=Decimal(value),
                baseline=Decimal(baseline),
                target=Decimal(target),
                done=done,
                time=TIME,
            )
            == ProgressStatus.ACHIEVED
        )
    done = services.share_done(value=Decimal(5), baseline=Decimal(6), target=Decimal(6))
    assert (
        status(
            plan=plan,
            direction="at_least",
            value=Decimal(5),
            baseline=Decimal(6),
            target=Decimal(6),
            done=done,
            time=TIME,
        )
        == ProgressStatus.ON_TRACK
    )  # 5/6 ÷ 0.4991 ≥ 1


def test_snapshot_completion_per_county_with_a_target_below_baseline(messy):
    indicator = Indicator.objects.get(code="provincial-srdi-valid")
    for code, target in ((T, 2), (K, 4), (H, 1)):
        Allocation.objects.create(indicator=indicator, county=county(code), target_value=target)
    snapshot = services.snapshot_compute(plan=Plan.objects.get(), as_of=D)
    # 台山: baseline 3 (c1, c2, c3 on B), now 3, target 2 (below the baseline) → 3 / 2, achieved.
    row = rows_by_code(snapshot, T)["provincial-srdi-valid"]
    assert (row.baseline, row.now, row.target, row.share_done, row.status) == (3, 3, 2, Decimal("1.5"), "achieved")
    # 开平: baseline 1 (c4), now 2 (c4, k2), target 4 → (2 − 1) / (4 − 1) = 0.3333; 0.3333 / 0.4991 < 0.8: at risk.
    row = rows_by_code(snapshot, K)["provincial-srdi-valid"]
    assert (row.baseline, row.now, row.target, row.share_done, row.status) == (1, 2, 4, Decimal("0.3333"), "at_risk")
    # 鹤山: baseline 1 (c5, not gone yet on B), now 1 (h2; c5 gone), target 1 → exactly 100 %, achieved.
    row = rows_by_code(snapshot, H)["provincial-srdi-valid"]
    assert (row.baseline, row.now, row.target, row.share_done, row.status) == (1, 1, 1, 1, "achieved")
    # City: declared 713 → 1,400, now 6: below the baseline, 0 % (never negative), at risk.
    row = rows_by_code(snapshot)["provincial-srdi-valid"]
    assert (row.baseline, row.now, row.target, row.share_done, row.status) == (713, 6, 1400, 0, "at_risk")


def test_every_indicator_states_its_rule_in_its_definition(db):
    for indicator in Indicator.objects.all():
        assert indicator.completion_rule == "gain", indicator.code
        text = indicator.definition
        assert "分母" in text, indicator.code
        assert "统计日" in text, indicator.code
        assert ("完成率" in text) or ("不计完成率" in text), indicator.code


# -- 2. allocations that add up ------------------------------------------------------------------------


def test_allocation_summary_warns_when_counties_do_not_add_up(messy):
    indicator = Indicator.objects.get(code="provincial-srdi-valid")
    for code, target in ((T, 2), (K, 4), (H, 1)):
        Allocation.objects.create(indicator=indicator, county=county(code), target_value=target)
    services.snapshot_compute(plan=Plan.objects.get(), as_of=D)
    summary = selectors.allocation_summary(indicator)
    by_code = {r["county"].code: r for r in summary.rows}
    # Baselines from the records on B: T 3, K 1, H 1, the other four counties 0 → 5 against 713.
    assert (by_code[T]["baseline"], by_code[K]["baseline"], by_code[H]["baseline"]) == (3, 1, 1)
    assert (summary.baseline_total, summary.city_baseline) == (5, 713)
    assert (summary.target_total, summary.city_target) == (7, 1400)
    assert by_code[T]["below"] and not by_code[K]["below"]
    assert summary.warnings == [
        "各县（市、区）目标合计为7，而全市目标为1400。",
        "各县（市、区）基数合计为5，而全市基数为713。",
        "台山市：分解目标2低于其基数3。",
    ]


def test_declared_county_baselines_that_add_up_give_no_warning(messy, city_operator):
    indicator = Indicator.objects.get(code="national-giants")  # declared 24 → 48
    places = services.counties()
    baselines = {p.pk: Decimal(0) for p in places}
    targets = {p.pk: Decimal(0) for p in places}
    baselines[county(T).pk], targets[county(T).pk] = Decimal(14), Decimal(28)
    baselines[county(K).pk], targets[county(K).pk] = Decimal(10), Decimal(20)
    services.allocation_save(actor=city_operator, indicator=indicator, values=targets, baselines=baselines)
    snapshot = services.snapshot_compute(plan=Plan.objects.get(), as_of=D)
    summary = selectors.allocation_summary(indicator, snapshot)
    assert (summary.baseline_total, summary.target_total) == (24, 48)
    assert summary.warnings == []
    # The county's declared baseline is the one its row uses (the records give 0 national firms).
    row = rows_by_code(snapshot, T)["national-giants"]
    assert (row.baseline, row.baseline_records, row.target) == (14, 0, 28)
    entry = AuditLog.objects.filter(object_type="targets.allocation", county_code=T).latest("id")
    assert entry.after == {"county": T, "target_value": "28", "baseline_value": "14"}


def page_with_taishan_target(client, user, target, path=""):
    """The page ``/targets/indicators/provincial-srdi-valid/<path>`` once 台山 is allocated ``target``
    and the snapshot of D computed."""
    indicator = Indicator.objects.get(code="provincial-srdi-valid")
    Allocation.objects.create(indicator=indicator, county=county(T), target_value=target)
    services.snapshot_compute(plan=Plan.objects.get(), as_of=D)
    client.force_login(user)
    return client.get(f"/targets/indicators/{indicator.code}/{path}").content.decode()


def test_allocation_page_shows_sums_and_warnings(client, messy, city_operator):
    html = page_with_taishan_target(client, city_operator, 2, "allocation/")
    assert "各县（市、区）基数合计为5，而全市基数为713。" in html
    assert "台山市：分解目标2低于其基数3。" in html
    totals = re.search(r'id="allocation-totals">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'text-end">([^<]*)<', totals) == ["5", "2"]


def test_demo_allocations_add_up_and_are_not_below_baselines(db):
    """The demo's rule on a hand-built city: 24 national firms valid on B split T 14 / K 10 give
    baselines 14 and 10; growth 24 shared by the default weights 10, 8, 10, 6, 6, 5, 3 (of 48)."""
    from targets.demo import _consistent_allocations

    for i in range(14):
        factories.make_title(factories.make_enterprise(T), "national", dt.date(2023, 6, 1) - dt.timedelta(days=i))
    for i in range(10):
        factories.make_title(factories.make_enterprise(K), "national", dt.date(2023, 6, 1) - dt.timedelta(days=i))
    Indicator.objects.exclude(code="national-giants").update(default_allocation={})
    assert _consistent_allocations() == 7
    got = {
        a.county.code: (a.baseline_value, a.target_value)
        for a in Allocation.objects.filter(indicator__code="national-giants").select_related("county")
    }
    # Gains 24 × w / 48: 5, 4, 5, 3, 3, 2.5, 1.5 → 5, 4, 5, 3, 3 and the two halves by largest
    # remainder (tie: the earlier county first) → 3 and 1.
    assert got == {
        "440703": (0, 5),
        "440704": (0, 4),
        "440705": (0, 5),
        T: (14, 17),
        K: (10, 13),
        H: (0, 3),
        "440785": (0, 1),
    }


# -- 3. enterprises gone -------------------------------------------------------------------------------


def test_gone_enterprises_leave_as_of_counts_and_denominators_not_cumulative_ones(messy):
    valid = parts("provincial-srdi-valid")
    assert {code: valid[county(code).pk].numerator for code in (T, K, H)} == {T: 3, K: 2, H: 1}
    assert valid[None].numerator == 6
    # On B c5 had not gone yet.
    assert parts("provincial-srdi-valid", B)[county(H).pk].numerator == 1
    # Cumulative (累计培育) keeps c5: H = c5 + h2.
    assert parts("provincial-srdi")[county(H).pk].numerator == 2
    # Share with ≥ 2 invention patents: H's population is h2 only (1 of 1), not c5 + h2 (1 of 2).
    share = parts("invention-patents")
    assert (share[county(H).pk].numerator, share[county(H).pk].denominator) == (1, 1)
    assert (share[county(T).pk].numerator, share[county(T).pk].denominator) == (1, 3)
    assert (share[county(K).pk].numerator, share[county(K).pk].denominator) == (0, 2)
    assert (share[None].numerator, share[None].denominator) == (2, 6)
    # On the day after k2 moved out it is gone.
    assert parts("provincial-srdi-valid", dt.date(2025, 7, 15))[county(K).pk].numerator == 1


def test_a_status_changed_back_to_operating_counts_again(messy):
    EnterpriseStatusChange.objects.create(
        enterprise=messy["c5"], status=EnterpriseStatus.OPERATING, effective_on=dt.date(2025, 3, 1)
    )
    assert set(gone_by(dt.date(2025, 2, 28)).values_list("enterprise_id", flat=True)) == {messy["c5"].pk}
    assert not gone_by(D).exists()
    assert parts("provincial-srdi-valid")[county(H).pk].numerator == 2


def test_drilldown_lists_leave_out_gone_enterprises_as_the_counts_do(messy, city_operator):
    params = selectors.drilldown_params(Indicator.objects.get(code="provincial-srdi-valid"), D, county(H))
    filterset = EnterpriseFilterSet(params, queryset=Enterprise.objects.for_user(city_operator))
    assert filterset.is_valid()
    assert list(filterset.qs) == [messy["h2"]]


def test_editing_the_status_asks_for_the_date_and_keeps_history(messy, taishan_official):
    c1 = messy["c1"]
    data = {
        "credit_code": c1.credit_code,
        "name": c1.name,
        "county": c1.county_id,
        "status": "deregistered",
        "version": c1.version,
    }
    form = EnterpriseForm(data, instance=Enterprise.objects.get(pk=c1.pk), user=taishan_official)
    assert not form.is_valid()
    assert form.errors["status_effective_on"] == ["状态已变更：请填写变更生效日期。"]
    form = EnterpriseForm(
        {**data, "status_effective_on": "2025-05-20"}, instance=Enterprise.objects.get(pk=c1.pk), user=taishan_official
    )
    assert form.is_valid(), form.errors
    enterprise_services.enterprise_save(
        actor=taishan_official,
        enterprise=form.save(commit=False),
        tags=form.cleaned_data["tags"],
        expected_version=form.cleaned_data["version"],
        status_effective_on=form.cleaned_data["status_effective_on"],
    )
    change = EnterpriseStatusChange.objects.get(enterprise=c1)
    assert (change.status, change.effective_on, change.recorded_by) == (
        "deregistered",
        dt.date(2025, 5, 20),
        taishan_official,
    )
    assert AuditLog.objects.filter(object_type="enterprises.enterprisestatuschange", object_id=str(change.pk)).exists()
    assert AuditLog.objects.filter(object_type="enterprises.enterprise", object_id=str(c1.pk)).exists()
    # T on D: c2, c3 (c1 gone on 2025-05-20).
    assert parts("provincial-srdi-valid")[county(T).pk].numerator == 2
    # The service refuses a change without a date, or dated before the previous change.
    c1 = Enterprise.objects.get(pk=c1.pk)
    c1.status = EnterpriseStatus.OPERATING
    with pytest.raises(ValidationError) as error:
        enterprise_services.enterprise_save(actor=taishan_official, enterprise=c1)
    assert "status_effective_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        enterprise_services.enterprise_save(
            actor=taishan_official, enterprise=c1, status_effective_on=dt.date(2025, 5, 1)
        )
    assert error.value.message_dict["status_effective_on"] == ["日期不能早于上一次状态变更（2025-05-20）。"]
    assert EnterpriseStatusChange.objects.filter(enterprise=c1).count() == 1


# -- 4. doubling of the cohort ---------------------------------------------------------------------------


def test_cohort_ratio_per_scope_on_its_own_latest_quarter_like_for_like(messy):
    out = parts("cohort-output")
    # 台山 2025Q2 vs 2023Q2: c1 150/100 and c2 300/200 compared, c3 (nothing in 2023) left out → 450 / 300.
    t = out[county(T).pk]
    assert (t.period, t.numerator, t.denominator, t.compared, t.left_out) == ("2025Q2", 450, 300, 2, 1)
    # 开平 has not reported 2025Q2: its own latest quarter 2025Q1 vs 2023Q1 → 120 / 80.
    k = out[county(K).pk]
    assert (k.period, k.numerator, k.denominator, k.compared, k.left_out) == ("2025Q1", 120, 80, 1, 0)
    # 鹤山: c5 deregistered, last reported 2024Q2 vs 2023Q2 → 60 / 50.
    h = out[county(H).pk]
    assert (h.period, h.numerator, h.denominator, h.compared, h.left_out) == ("2024Q2", 60, 50, 1, 0)
    # City: its latest quarter 2025Q2; only c1 and c2 in both quarters; c3, c4, c5 left out.
    city = out[None]
    assert (city.period, city.numerator, city.denominator, city.compared, city.left_out) == ("2025Q2", 450, 300, 2, 3)
    profit = parts("cohort-profit")
    # Profit: 台山 only c1 (12/10; c2 reported no 2025Q2 profit); 开平 4/8; 鹤山 no profit at all; city c1.
    assert (profit[county(T).pk].numerator, profit[county(T).pk].denominator, profit[county(T).pk].left_out) == (
        12,
        10,
        2,
    )
    assert (profit[county(K).pk].numerator, profit[county(K).pk].denominator) == (4, 8)
    assert (profit[county(H).pk].numerator, profit[county(H).pk].compared, profit[county(H).pk].left_out) == (
        None,
        0,
        1,
    )
    assert (profit[None].numerator, profit[None].denominator, profit[None].compared, profit[None].left_out) == (
        12,
        10,
        1,
        4,
    )


def test_cohort_rows_in_the_snapshot_and_the_left_out_drilldown(messy, city_operator):
    snapshot = services.snapshot_compute(plan=Plan.objects.get(), as_of=D)
    row = rows_by_code(snapshot, K)["cohort-output"]
    # 1.5 times: (1.5 − 1) / (2 − 1) = 0.5; 0.5 / 0.4991 ≥ 1: on track (not 0.00 倍, at risk).
    assert (row.now, row.share_done, row.status, row.period, row.compared, row.left_out) == (
        Decimal("1.5"),
        Decimal("0.5"),
        "on_track",
        "2025Q1",
        1,
        0,
    )
    row = rows_by_code(snapshot, K)["cohort-profit"]
    assert (row.now, row.share_done, row.status) == (Decimal("0.5"), 0, "at_risk")  # never negative
    row = rows_by_code(snapshot, T)["cohort-output"]
    assert row.left_out_url == (
        "/enterprises/?holds_tier=provincial&on=2023-12-31&county=440781&not_compared=output_value%3A2025Q2%3A2023"
    )
    query = dict(p.split("=") for p in row.left_out_url.split("?")[1].split("&"))
    query["not_compared"] = "output_value:2025Q2:2023"
    filterset = EnterpriseFilterSet(query, queryset=Enterprise.objects.for_user(city_operator))
    assert filterset.is_valid()
    assert list(filterset.qs) == [messy["c3"]]
    city = rows_by_code(snapshot)["cohort-output"]
    assert (city.compared, city.left_out) == (2, 3)
    bad = EnterpriseFilterSet({"not_compared": "drop table"}, queryset=Enterprise.objects.all())
    assert not bad.is_valid()
    assert bad.errors["not_compared"] == ["请按“output_value:2025Q2:2023”的格式填写指标、季度和基年。"]


# -- 5. listings -----------------------------------------------------------------------------------------


def test_listing_counts_only_with_a_valid_title_on_the_listing_date(messy, city_operator):
    listings = parts("listings")
    # c2 only: r1's municipal title was revoked before it listed; k3 was recognised after it listed.
    assert listings[county(T).pk].numerator == 1
    assert county(K).pk not in listings
    assert listings[None].numerator == 1
    params = selectors.drilldown_params(Indicator.objects.get(code="listings"), D)
    assert params == {"listed_since": "2024-01-01", "on": "2025-06-30", "listed_holding": "municipal"}
    filterset = EnterpriseFilterSet(params, queryset=Enterprise.objects.for_user(city_operator))
    assert filterset.is_valid()
    assert list(filterset.qs) == [messy["c2"]]


# -- 7. the county indicator page ------------------------------------------------------------------------


def test_county_indicator_page_shows_the_county_allocation_and_milestones_only(client, messy, city_operator):
    indicator = Indicator.objects.get(code="provincial-srdi-valid")
    html = page_with_taishan_target(client, city_operator, 5, f"?county={T}")
    trend = json.loads(
        re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert trend["milestones"] == [{"year": 2026, "value": 5.0}]
    milestones = re.search(r'<ul class="list-unstyled mb-0" id="milestones">(.*?)</ul>', html, re.S).group(1)
    assert "2026: 5 家" in milestones and "940" not in milestones and "1170" not in milestones
    assert re.search(r'id="scope-baseline">\s*3 家', html)
    assert re.search(r'id="scope-target">\s*5 家', html)
    assert "713" not in re.search(r'<dl class="row small mb-0">(.*?)</dl>', html, re.S).group(1).replace(
        indicator.definition, ""
    )
    # The city page keeps the plan's milestones; so does a county for a ratio whose target is the
    # city's own (1.3, 1.6, 2 倍 hold for every county).
    for path in (f"{indicator.code}/", f"cohort-output/?county={T}"):
        html = client.get(f"/targets/indicators/{path}").content.decode()
        trend = json.loads(
            re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html, re.S).group(1)
        )
        expected = [940.0, 1170.0, 1400.0] if path.startswith(indicator.code) else [1.3, 1.6, 2.0]
        assert [m["value"] for m in trend["milestones"]] == expected


# -- 8. lost update on titles ------------------------------------------------------------------------------


def test_the_lapse_job_bumps_versions_and_a_stale_title_form_is_refused(messy, taishan_official):
    title = Title.objects.get(enterprise=messy["c1"])  # valid until 2025-08-31: lapsed by today
    assert "status" not in TitleForm().fields
    opened = TitleForm(instance=title)  # the official opens the form before 01:30
    before_update = Title.objects.get(pk=title.pk).updated_at
    assert titles_mark_lapsed(date=timezone.localdate()) >= 1
    stored = Title.objects.get(pk=title.pk)
    assert (stored.status, stored.version) == (TitleStatus.EXPIRED, title.version + 1)
    assert stored.updated_at > before_update
    data = {
        "tier": title.tier_id,
        "batch": "改批次",
        "recognised_on": "2022-09-01",
        "valid_until": "2025-08-31",
        "version": opened["version"].value(),
    }
    form = TitleForm(data, instance=Title.objects.get(pk=title.pk))
    assert form.is_valid(), form.errors
    with pytest.raises(StaleEditError):
        enterprise_services.title_save(
            actor=taishan_official, title=form.save(commit=False), expected_version=form.cleaned_data["version"]
        )
    stored = Title.objects.get(pk=title.pk)
    assert (stored.status, stored.batch) == (TitleStatus.EXPIRED, "")
    entry = AuditLog.objects.filter(object_type="enterprises.title", object_id=str(title.pk)).latest("id")
    assert (entry.before["version"], entry.after["version"]) == (1, 2)


def test_reconciliation_counts_valid_titles_as_the_goal_does(messy, city_operator):
    indicator = Indicator.objects.get(code="provincial-srdi-valid")
    # On B: c1, c2, c3, c4, c5 (c5 goes only in 2024).
    assert selectors.reconciliation(indicator, user=city_operator).valid_count == 5
    _status_change(messy["c4"], EnterpriseStatus.MOVED_OUT, dt.date(2023, 12, 1))
    rec = selectors.reconciliation(indicator, user=city_operator)
    assert rec.valid_count == 4 == parts("provincial-srdi-valid", B)[None].numerator

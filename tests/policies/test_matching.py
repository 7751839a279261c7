"""A policy's conditions evaluated by hand on a small dataset: met, missed by one, unknown.

The policy (as of 2026-06-30): a valid provincial title or higher; revenue last year ≥ 5000 万元;
R&D share of revenue ≥ 3 %; registered in 台山 or 开平 (one group of two alternatives).
Worked out by hand for each enterprise below; the SQL match lists and the engine's drill-down must
both give these answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Department, Place
from enterprises.models import Tier
from policies.choices import ConditionKind, MatchStatus
from policies.matching import evaluate_enterprises, match_counts, match_rows
from policies.models import Policy, PolicyCondition, SupportType
from policies.selectors import candidates, policy_funnel
from tests import factories

DATE = dt.date(2026, 6, 30)
MET, ONE, UNKNOWN = MatchStatus.MET.value, MatchStatus.MISSED_ONE.value, MatchStatus.UNKNOWN.value


def make_policy(**fields) -> Policy:
    defaults = {
        "title": "江门市专精特新企业研发奖补",
        "issuing_department": Department.objects.get(code="kjj"),
        "support_type": SupportType.objects.get(code="fund-award"),
        "valid_from": dt.date(2026, 1, 1),
    }
    defaults.update(fields)
    return Policy.objects.create(**defaults)


def add_conditions(policy):
    taishan, kaiping = Place.objects.get(code="440781"), Place.objects.get(code="440783")
    return [
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.TIER, tier=Tier.objects.get(code="provincial")
        ),
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.FIGURE, figure="revenue", operator="gte", threshold=5000
        ),
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.FIGURE, figure="rd_ratio", operator="gte", threshold=3
        ),
        PolicyCondition.objects.create(policy=policy, kind=ConditionKind.COUNTY, county=taishan, group="county"),
        PolicyCondition.objects.create(policy=policy, kind=ConditionKind.COUNTY, county=kaiping, group="county"),
    ]


@pytest.fixture
def dataset(db):
    def enterprise(name, county="440781", tier="provincial", **extra):
        e = factories.make_enterprise(county, name=name, **extra)
        if tier:
            factories.make_title(e, tier, dt.date(2024, 7, 1))
        return e

    e = {}
    # A: 8000 ≥ 5000 met; 400 / 8000 = 5 % ≥ 3 met; provincial; 台山 → meets every condition.
    e["A"] = enterprise("甲精密有限公司")
    factories.make_annual(e["A"], 2025, revenue=8000, rd_expense=400)
    # B: 4000 < 5000 missed; 200 / 4000 = 5 % met; 开平 met → misses one.
    e["B"] = enterprise("乙电子有限公司", county="440783")
    factories.make_annual(e["B"], 2025, revenue=4000, rd_expense=200)
    # C: no 2025 Q4, so 2024's annual counts: 6000 met; 150 / 6000 = 2.5 % < 3 missed → misses one.
    e["C"] = enterprise("丙机械有限公司")
    factories.make_annual(e["C"], 2024, revenue=6000, rd_expense=150)
    factories.make_statistic(e["C"], 2025, 3, revenue=5000, rd_expense=500)  # a quarter, not annual
    # D: no annual statistics at all: revenue and R&D share unknown, the rest met → unknown.
    e["D"] = enterprise("丁材料有限公司")
    # E: 9000 met; 900 / 9000 = 10 % met; 鹤山 is neither 台山 nor 开平: the county group missed → misses one.
    e["E"] = enterprise("戊科技有限公司", county="440784")
    factories.make_annual(e["E"], 2025, revenue=9000, rd_expense=900)
    # F: innovative only (rank 1 < 3) missed; 3000 < 5000 missed → misses two: left out.
    e["F"] = enterprise("己五金有限公司", tier="innovative")
    factories.make_annual(e["F"], 2025, revenue=3000, rd_expense=300)
    # G: would meet everything but is deregistered: left out.
    e["G"] = enterprise("庚化工有限公司", status="deregistered")
    factories.make_annual(e["G"], 2025, revenue=8000, rd_expense=400)
    # H: revenue 0 < 5000 missed; R&D share of a zero revenue unknown → misses one (and one unknown).
    e["H"] = enterprise("辛包装有限公司")
    factories.make_annual(e["H"], 2025, revenue=0, rd_expense=10)
    # I: 5000 = 5000 met (≥); 150 / 5000 = 3 % = 3 met (≥); a provincial title that lapsed on
    # 2026-06-29 (valid until the day before DATE) plus a valid national one (rank 4 ≥ 3) → meets.
    e["I"] = enterprise("壬光电有限公司", county="440783", tier="national")
    factories.make_title(e["I"], "provincial", dt.date(2023, 6, 30), valid_until=dt.date(2026, 6, 29))
    factories.make_annual(e["I"], 2025, revenue=5000, rd_expense=150)
    return e


def names(rows, status):
    return sorted(r[1][0] for r in rows if r[3] == status)


def test_sql_match_lists_by_hand(dataset):
    policy = make_policy()
    conditions = add_conditions(policy)
    rows = match_rows(conditions, candidates(factories.make_user("city_operator")), DATE)
    assert names(rows, MET) == sorted(["甲", "壬"])
    assert names(rows, ONE) == sorted(["乙", "丙", "戊", "辛"])
    assert names(rows, UNKNOWN) == ["丁"]
    assert len(rows) == 7  # 己 (two missed) and 庚 (deregistered) are left out


def test_engine_drill_down_agrees_with_sql_and_shows_the_figures(dataset):
    policy = make_policy()
    conditions = add_conditions(policy)
    results = evaluate_enterprises(policy, conditions, list(dataset.values()), DATE)
    status = {key: results[e.pk].status for key, e in dataset.items()}
    assert status == {"A": MET, "B": ONE, "C": ONE, "D": UNKNOWN, "E": ONE, "F": None, "G": MET, "H": ONE, "I": MET}
    # G is deregistered: the engine judges the enterprise; the lists leave out non-operating ones.
    c = results[dataset["C"].pk]
    by_figure = {row.condition.figure: row for row in c.rows if row.condition.kind == ConditionKind.FIGURE}
    assert by_figure["revenue"].status == "met" and by_figure["revenue"].value == "6000 万元"
    assert by_figure["rd_ratio"].status == "missed" and by_figure["rd_ratio"].value == "2.5 %"
    assert "2024" in by_figure["rd_ratio"].basis
    d = results[dataset["D"].pk]
    assert [row.status for row in d.rows] == ["met", "unknown", "unknown", "met", "missed"]
    assert (d.missed, d.unknown) == (0, 2)  # the county group is met by 台山
    h = results[dataset["H"].pk]
    assert (h.missed, h.unknown) == (1, 1)


def test_counts_per_county_and_county_scoping(dataset, taishan_official):
    policy = make_policy()
    conditions = add_conditions(policy)
    taishan, kaiping, heshan = (Place.objects.get(code=c).pk for c in ("440781", "440783", "440784"))
    counts = match_counts(conditions, candidates(factories.make_user("city_operator")), DATE)
    # 台山: A met; C, H miss one; D unknown.  开平: I met; B misses one.  鹤山: E misses one.
    assert counts == {
        (taishan, MET): 1,
        (taishan, ONE): 2,
        (taishan, UNKNOWN): 1,
        (kaiping, MET): 1,
        (kaiping, ONE): 1,
        (heshan, ONE): 1,
    }
    # The 台山 official sees only 台山's enterprises.
    funnel = policy_funnel(taishan_official, policy, DATE)
    assert {k: funnel["total"][k] for k in (MET, ONE, UNKNOWN)} == {MET: 1, ONE: 2, UNKNOWN: 1}
    assert [county.code for county, _ in funnel["counties"]] == ["440781"]


def test_membership_conditions(dataset):
    """Industry (a section covers its divisions), plan tag and listing stage reached."""
    from enterprises.models import Industry, ListingRecord, Tag

    a, b, d = dataset["A"], dataset["B"], dataset["D"]
    a.industry = Industry.objects.get(code="34")  # 通用设备制造业, in section C
    a.save()
    b.industry = Industry.objects.get(code="01")  # 农业, section A
    b.save()
    tag = Tag.objects.order_by("sort_order").first()
    a.tags.add(tag)
    ListingRecord.objects.create(enterprise=a, stage="accepted", venue="szse_main", date=dt.date(2026, 3, 1))
    ListingRecord.objects.create(enterprise=b, stage="tutoring", venue="szse_main", date=dt.date(2026, 3, 1))
    policy = make_policy(title="上市奖励")
    conditions = [
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.INDUSTRY, industry=Industry.objects.get(code="C")
        ),
        PolicyCondition.objects.create(policy=policy, kind=ConditionKind.TAG, tag=tag),
        PolicyCondition.objects.create(policy=policy, kind=ConditionKind.LISTING, listing_stage="accepted"),
    ]
    rows = {r[0]: r[3] for r in match_rows(conditions, candidates(factories.make_user("city_operator")), DATE)}
    # A: division 34 is in section C met; tagged met; accepted ≥ accepted met → meets.
    assert rows[a.pk] == MET
    # B: 01 not in C missed; not tagged missed; tutoring < accepted missed → left out.
    assert b.pk not in rows
    # D: no industry unknown; not tagged missed; no listing record missed → left out (two missed).
    assert d.pk not in rows
    results = evaluate_enterprises(policy, conditions, [a, b, d], DATE)
    assert [results[x.pk].status for x in (a, b, d)] == [MET, None, None]
    assert results[d.pk].rows[0].status == "unknown"


def test_policy_without_conditions_matches_every_operating_enterprise(dataset):
    policy = make_policy()
    rows = match_rows([], candidates(factories.make_user("city_operator")), DATE)
    assert len(rows) == 8 and {r[3] for r in rows} == {MET}  # nine enterprises, 庚 deregistered
    assert evaluate_enterprises(policy, [], [dataset["F"]], DATE)[dataset["F"].pk].status == MET


def test_threshold_is_exact_decimal(dataset):
    """3 % of 5000 is exactly 150: ``rd × 100 ≥ 3 × revenue`` holds without rounding (企业壬)."""
    policy = make_policy()
    condition = PolicyCondition.objects.create(
        policy=policy, kind=ConditionKind.FIGURE, figure="rd_ratio", operator="gt", threshold=Decimal("3")
    )
    rows = {r[0]: r[3] for r in match_rows([condition], candidates(factories.make_user("city_operator")), DATE)}
    assert rows[dataset["I"].pk] == ONE  # 3 % > 3 % is false


@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT is a PostgreSQL setting")
def test_matching_runs_without_jit_and_puts_the_setting_back(dataset):
    """The match statement turns JIT compilation off for itself only (README: it cost more than the
    statement at 100,000 enterprises); the caller's transaction keeps its own setting."""
    policy = make_policy()
    conditions = add_conditions(policy)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
        match_counts(conditions, candidates(None), DATE)
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SET LOCAL jit = off")
        match_rows(conditions, candidates(None), DATE)
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone()[0] == "off"


def test_two_misses_without_statistics_are_left_out_before_the_statistics_are_read(db):
    """The statement first drops enterprises that miss two groups of conditions reading no statistics
    (README: it spares their statistics subqueries); an unknown (no industry) is not a miss. Policy:
    provincial title or higher; industry section C; in 台山; revenue last year ≥ 5000. By hand:

    - J 鹤山, innovative, C/34, revenue 9000: county and tier missed → left out (revenue met or not);
    - K 鹤山, innovative, no industry: county and tier missed, industry unknown → left out;
    - L 鹤山, provincial, no industry, revenue 9000: county missed, industry unknown → misses one;
    - M 台山, innovative, A/01: tier and industry missed → left out;
    - N 台山, provincial, no industry, no statistics: industry and revenue unknown → unknown;
    - O 台山, innovative, C/34, no statistics: tier missed, revenue unknown → misses one.
    The engine's drill-down gives the same statuses (None: misses two or more)."""
    from enterprises.models import Industry

    c34, a01 = Industry.objects.get(code="34"), Industry.objects.get(code="01")

    def enterprise(name, county, tier, industry=None, revenue=None):
        e = factories.make_enterprise(county, name=name, industry=industry)
        factories.make_title(e, tier, dt.date(2024, 7, 1))
        if revenue is not None:
            factories.make_annual(e, 2025, revenue=revenue, rd_expense=0)
        return e

    e = {
        "J": enterprise("J", "440784", "innovative", c34, 9000),
        "K": enterprise("K", "440784", "innovative"),
        "L": enterprise("L", "440784", "provincial", None, 9000),
        "M": enterprise("M", "440781", "innovative", a01),
        "N": enterprise("N", "440781", "provincial"),
        "O": enterprise("O", "440781", "innovative", c34),
    }
    policy = make_policy()
    conditions = [
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.TIER, tier=Tier.objects.get(code="provincial")
        ),
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.INDUSTRY, industry=Industry.objects.get(code="C")
        ),
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.COUNTY, county=Place.objects.get(code="440781")
        ),
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.FIGURE, figure="revenue", operator="gte", threshold=5000
        ),
    ]
    rows = {r[1]: r[3] for r in match_rows(conditions, candidates(None), DATE)}
    assert rows == {"L": ONE, "N": UNKNOWN, "O": ONE}
    results = evaluate_enterprises(policy, conditions, list(e.values()), DATE)
    assert {k: results[x.pk].status for k, x in e.items()} == {
        "J": None,
        "K": None,
        "L": ONE,
        "M": None,
        "N": UNKNOWN,
        "O": ONE,
    }

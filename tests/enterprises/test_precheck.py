"""The pre-check worked through by hand under the 2022 and the 2026 criteria sets.

Every expected value below is computed in the comment next to it from the figures of the test, with
the thresholds and score bands of fixtures/reference/090_criteria.yaml (amounts in 10k yuan)."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from enterprises.dynamics.precheck import EnterpriseRecords, compute_figures, precheck
from enterprises.dynamics.selectors import criteria_spec, load_records, precheck_enterprise
from enterprises.models import Figure
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = (
    "output_value",
    "revenue",
    "main_business_revenue",
    "profit",
    "total_assets",
    "total_liabilities",
    "rd_expense",
    "export_revenue",
    "employees",
    "rd_staff",
    "invention_patents",
    "class1_ip",
    "trademarks",
    "digital_level",
    "university_cooperation",
    "fills_tech_gap",
)


def stat(year, quarter=4, **figures):
    values = dict.fromkeys(FIELDS)
    values.update(
        {
            k: (Decimal(str(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
            for k, v in figures.items()
        }
    )
    return SimpleNamespace(year=year, quarter=quarter, **values)


def by_code(result):
    return {r.spec.code: r for r in result.thresholds + result.conditions}


def item(result, dimension, code):
    d = next(d for d in result.dimensions if d.spec.code == dimension)
    return next(i for i in d.items if i.code == code)


# -- 创新型 under the 2022 measures -------------------------------------------------------------------

DATE_2025 = dt.date(2025, 6, 15)


def test_innovative_2022_eligible_by_score_75():
    records = EnterpriseRecords(
        statistics=[
            stat(
                2024,
                revenue=2000,
                main_business_revenue=1500,
                profit=150,
                total_assets=1000,
                total_liabilities=500,
                rd_expense=90,
                class1_ip=1,
                digital_level=2,
            ),
            stat(2023, revenue=1800),
        ]
    )
    spec = criteria_spec("innovative", DATE_2025)
    assert spec.code == "innovative-2022"
    result = precheck(records, spec, DATE_2025)
    # 创新能力: R&D 90/2000 = 4.5% → band 3–5% = 15; class-I IP 1 → 10; 25 ≥ 20.
    assert item(result, "innovation", "rd-ratio").points_min == 15
    assert item(result, "innovation", "ip").points_min == 10
    # 成长性: growth (2000-1800)/1800 = 11.1% → 10–15% = 15; debt 500/1000 = 50% ≤ 55% → 10; 25 ≥ 15.
    assert item(result, "growth", "growth").points_min == 15
    assert item(result, "growth", "debt").points_min == 10
    # 专业化: main business 1500/2000 = 75% ≥ 70% → 20; no strategic tag → other field 5; 25 ≥ 15.
    assert item(result, "specialisation", "main-share").points_min == 20
    assert item(result, "specialisation", "product").points_min == 5
    assert result.score == Decimal(75)  # 25 + 25 + 25
    assert result.score_ok is True
    # Direct conditions: R&D institution rank 0 < 2 missed; award, high-tech, equity not collected → unknown.
    rows = by_code(result)
    assert rows["rd-institution"].status == "missed"
    assert {rows[c].status for c in ("award", "high-tech", "equity")} == {"unknown"}
    assert result.status == "eligible"
    assert rows["rd-institution"].value == 0


def test_innovative_2022_unknown_data_gives_a_range_and_undetermined_result():
    records = EnterpriseRecords(
        tag_kinds={"cluster"},
        statistics=[
            # main business revenue and class-I IP not reported
            stat(2024, revenue=1000, total_assets=1000, total_liabilities=800, rd_expense=15),
            stat(2023, revenue=1000),
        ],
    )
    result = precheck(records, criteria_spec("innovative", DATE_2025), DATE_2025)
    # 创新能力: R&D 1.5% → 5; IP unknown → 0–10; range 5–15, always below the minimum 20 → missed.
    innovation = result.dimensions[0]
    assert (innovation.points_min, innovation.points_max) == (5, 15)
    assert innovation.status == "missed"
    # 成长性: growth 0% → 5; debt 80% > 75% → 0.  专业化: main share unknown → 0–20; cluster tag → 10.
    assert (result.score_min, result.score_max) == (Decimal(20), Decimal(50))  # 5+5+10 … 15+5+30
    assert result.score is None and result.score_display == "20–50"
    assert result.score_ok is False
    # The direct conditions that are not collected could still make it eligible → undetermined.
    assert result.direct is None
    assert result.status == "unknown"
    assert result.figures[Figure.MAIN_BUSINESS_SHARE].value is None


def test_innovative_2022_direct_condition_suffices():
    records = EnterpriseRecords(rd_institution_ranks=[1, 2], statistics=[stat(2024, revenue=100)])
    result = precheck(records, criteria_spec("innovative", DATE_2025), DATE_2025)
    assert by_code(result)["rd-institution"].status == "met"  # provincial centre: rank 2 ≥ 2
    # Nearly nothing else is known: score 5–85 (only "other field" 5 is certain), undetermined on its own.
    assert (result.score_min, result.score_max) == (Decimal(5), Decimal(85))
    assert result.score_ok is None
    assert result.status == "eligible"


# -- 省级专精特新 under the 2022 measures ------------------------------------------------------------


def provincial_records(**extra):
    base = {
        "established_on": dt.date(2015, 3, 1),
        "niche_market": "精密轴承保持架",
        "held_tier_codes": {"innovative"},
        "required_tiers": [("innovative", "创新型中小企业")],
        "statistics": [
            stat(
                2024,
                revenue=5000,
                main_business_revenue=4500,
                profit=600,
                total_assets=4000,
                total_liabilities=1600,
                rd_expense=260,
                employees=100,
                rd_staff=15,
                class1_ip=2,
                digital_level=3,
                fills_tech_gap=True,
            ),
            stat(2023, revenue=4500, rd_expense=200),
            stat(2022, revenue=4000),
        ],
    }
    base.update(extra)
    return EnterpriseRecords(**base)


def test_provincial_2022_thresholds_met_score_58_to_78_undetermined():
    result = precheck(provincial_records(), criteria_spec("provincial", DATE_2025), DATE_2025)
    rows = by_code(result)
    assert rows["ladder"].status == "met"
    assert rows["niche"].value == 10  # 2015-03-01 → 2025-06-15: 10 full years
    assert rows["rd-expense"].status == "met"  # 260 ≥ 100
    assert rows["rd-ratio"].value == Decimal("5.2")  # 260/5000
    assert rows["revenue"].status == "met" and rows["equity"].status == "unknown"
    assert result.requirements is True  # revenue or equity: one option met
    # 专业化 25: main 90% → 5; growth avg (11.11% + 12.5%)/2 = 11.8% → 10; niche 10 y → 5; fills gap → 5.
    assert result.dimensions[0].points_min == result.dimensions[0].points_max == 25
    # 精细化 20–25: digital 3 → 5; quality unknown 0–5; margin 600/5000 = 12% → 10; debt 40% → 5.
    assert (result.dimensions[1].points_min, result.dimensions[1].points_max) == (20, 25)
    # 特色化 0–15 (provincial indicators not collected).
    assert (result.dimensions[2].points_min, result.dimensions[2].points_max) == (0, 15)
    # 创新能力 13: IP → 6; R&D 260 → 4 (200–300) and 5.2% → 4 (4–6%) → 4; R&D staff 15% → 3; no institution 0.
    assert result.dimensions[3].points_min == 13
    assert (result.score_min, result.score_max) == (Decimal(58), Decimal(78))
    assert result.status == "unknown"  # 58 < 60 ≤ 78


def test_provincial_2022_municipal_institution_lifts_score_to_62_eligible():
    result = precheck(provincial_records(rd_institution_ranks=[1]), criteria_spec("provincial", DATE_2025), DATE_2025)
    assert item(result, "innovation", "rd-institution").points_min == 4
    assert result.score_min == 62  # 58 + 4 ≥ 60
    assert result.status == "eligible"


def test_provincial_2022_without_innovative_title_is_not_eligible():
    result = precheck(
        provincial_records(held_tier_codes=set(), rd_institution_ranks=[3]),
        criteria_spec("provincial", DATE_2025),
        DATE_2025,
    )
    assert by_code(result)["ladder"].status == "missed"
    assert result.status == "not_eligible"


def test_no_statistics_at_all_every_figure_is_unknown():
    records = EnterpriseRecords(held_tier_codes={"innovative"}, required_tiers=[("innovative", "创新型中小企业")])
    result = precheck(records, criteria_spec("provincial", DATE_2025), DATE_2025)
    rows = by_code(result)
    assert rows["ladder"].status == "met"
    assert {rows[c].status for c in ("niche", "rd-expense", "rd-ratio", "revenue", "equity")} == {"unknown"}
    assert result.requirements is None and result.status == "unknown"
    assert "2023–2024" in rows["revenue"].basis
    # Only the items whose figures are held score: nothing is known, so 0 up to the full table.
    # Nothing known scores: 0 up to the table's maximum as configured (100 minus the 4 IP points the portal cannot
    # award, = 96) minus the R&D institution item, known to be 0 of 10 → 86.
    assert result.score_min == 0 and result.score_max == 86


# -- 省级专精特新 under the 2026 measures and the change of criteria set -----------------------------


def d_records():
    return EnterpriseRecords(
        established_on=dt.date(2020, 1, 10),
        niche_market="电机控制器",
        held_tier_codes={"innovative"},
        required_tiers=[("innovative", "创新型中小企业")],
        statistics=[
            stat(
                2025,
                revenue=2000,
                main_business_revenue=1700,
                profit=100,
                total_assets=1000,
                total_liabilities=700,
                rd_expense=120,
                class1_ip=1,
                digital_level=2,
                employees=50,
                rd_staff=5,
            ),
            stat(2024, revenue=1800, rd_expense=90),
            stat(2023, revenue=1600),
        ],
    )


def test_provincial_2026_two_year_rd_threshold_missed():
    date = dt.date(2026, 6, 15)
    spec = criteria_spec("provincial", date)
    assert spec.code == "provincial-2026" and spec.min_score == 50
    result = precheck(d_records(), spec, date)
    rows = by_code(result)
    assert rows["niche"].value == 6 and rows["niche"].status == "met"  # 2020-01-10 → 2026-06-15, ≥ 3
    assert rows["revenue"].status == "met"  # 2000 ≥ 1500
    assert rows["main-share"].value == 85 and rows["main-share"].status == "met"  # 1700/2000 ≥ 80%
    assert rows["debt"].value == 70 and rows["debt"].status == "met"  # ≤ 80%
    assert rows["rd-expense"].value == 90 and rows["rd-expense"].status == "missed"  # min(120, 90) < 100
    assert rows["rd-ratio"].value == 5 and rows["rd-ratio"].status == "met"  # min(6%, 5%) ≥ 3%
    assert rows["class1-ip"].status == "met"
    # 专业化 18–23: main 85% → 5; growth avg (11.1% + 12.5%)/2 → 10; niche 6 y → 3; product unknown 0–5.
    # 精细化 8–13: digital 2 → 3; quality 0–5; margin 5% → 4; debt 70% → 1.  特色化 0–15.
    # 创新能力 15: IP 6; R&D 120 → 2, 6% → 6 → 6; R&D staff 10% → 3; institution 0.
    assert (result.score_min, result.score_max) == (Decimal(41), Decimal(66))
    assert result.status == "not_eligible"


def test_same_enterprise_before_the_2026_measures_is_judged_by_2022_set():
    date = dt.date(2026, 3, 15)
    spec = criteria_spec("provincial", date)
    assert spec.code == "provincial-2022"
    result = precheck(d_records(), spec, date)
    assert result.requirements is True  # R&D 120 ≥ 100 and 6% ≥ 3%, revenue 2000 ≥ 1000, niche 6 ≥ 2
    assert (result.score_min, result.score_max) == (Decimal(41), Decimal(66))
    assert result.status == "unknown"  # 41 < 60 ≤ 66


# -- 小巨人: alternatives (2022) and the 2026 thresholds ------------------------------------------------


def national_records(rd_expense):
    return EnterpriseRecords(
        established_on=dt.date(2010, 1, 1),
        niche_market="光学镜头",
        held_tier_codes={"innovative", "provincial"},
        required_tiers=[("provincial", "省级专精特新中小企业")],
        rd_institution_ranks=[1],
        statistics=[
            stat(
                2024,
                revenue=8000,
                main_business_revenue=6400,
                total_assets=5000,
                total_liabilities=3000,
                rd_expense=rd_expense,
                class1_ip=3,
            ),
            stat(2023, revenue=7000),
            stat(2022, revenue=6000),
        ],
    )


def test_national_2022_mid_size_option_of_rd_intensity():
    result = precheck(national_records(560), criteria_spec("national", DATE_2025), DATE_2025)
    rows = by_code(result)
    # growth avg: (8000-7000)/7000 = 14.29%, (7000-6000)/6000 = 16.67% → 15.48% ≥ 5%; debt 60% ≤ 70%;
    # main 80% ≥ 70%; class-I IP 3 ≥ 2; institution rank 1 ≥ 1.
    assert rows["growth"].status == "met" and rows["debt"].status == "met" and rows["main-share"].status == "met"
    # Revenue 8000 < 10000: the "large" option fails; 5000 ≤ 8000 < 10000 and 560/8000 = 7% ≥ 6%: "mid" holds.
    assert rows["rd-large-revenue"].status == "missed"
    assert rows["rd-mid-ratio"].value == 7 and rows["rd-mid-ratio"].status == "met"
    assert not result.has_score and result.score_display == "—"
    assert result.status == "eligible"


def test_national_2022_neither_option_holds():
    result = precheck(national_records(320), criteria_spec("national", DATE_2025), DATE_2025)
    assert by_code(result)["rd-mid-ratio"].value == 4  # 320/8000 = 4% < 6%; large option needs 10000 revenue
    assert result.status == "not_eligible"


def test_national_2026_needs_four_class_one_ip():
    date = dt.date(2026, 6, 15)
    records = EnterpriseRecords(
        held_tier_codes={"provincial"},
        required_tiers=[("provincial", "省级专精特新中小企业")],
        statistics=[
            stat(2025, revenue=6000, main_business_revenue=5700, rd_expense=700, class1_ip=3),
            stat(2024, revenue=5500, rd_expense=600),
        ],
    )
    result = precheck(records, criteria_spec("national", date), date)
    rows = by_code(result)
    assert rows["rd-expense-2y"].value == 1300 and rows["rd-expense-2y"].status == "met"  # 700 + 600 ≥ 1200
    assert rows["main-share"].value == 95 and rows["main-share"].status == "met"
    assert rows["class1-ip"].status == "missed"  # 3 < 4
    assert result.status == "not_eligible"


# -- figures from the database ------------------------------------------------------------------------


def test_records_loaded_from_the_database_match_and_use_the_latest_annual_year(taishan_enterprise):
    e = taishan_enterprise
    e.established_on, e.niche_market = dt.date(2015, 3, 1), "精密轴承保持架"
    e.save()
    factories.make_title(e, "innovative", dt.date(2024, 7, 1))
    factories.make_annual(
        e,
        2024,
        revenue=5000,
        main_business_revenue=4500,
        profit=600,
        total_assets=4000,
        total_liabilities=1600,
        rd_expense=260,
        employees=100,
        rd_staff=15,
        class1_ip=2,
        digital_level=3,
        fills_tech_gap=True,
    )
    factories.make_annual(e, 2023, revenue=4500, rd_expense=200)
    factories.make_annual(e, 2022, revenue=4000)
    factories.make_statistic(e, 2025, 1, revenue=1200, class1_ip=3)  # a newer quarter: stock figures only
    factories.make_rd_institution(e, "municipal-etrc")
    from enterprises.models import Tier

    result = precheck_enterprise(e, tier=Tier.objects.get(code="provincial"), date=DATE_2025)
    assert result.figures[Figure.REVENUE].value == 5000  # the 2024 annual figure, not 2025Q1
    assert result.figures[Figure.CLASS1_IP].value == 3 and "2025Q1" in result.figures[Figure.CLASS1_IP].basis
    assert result.figures[Figure.LADDER_PREREQUISITE].value == 1
    assert result.score_min == 62 and result.status == "eligible"
    records = load_records([e], date=DATE_2025, target=Tier.objects.get(code="provincial"))[e.pk]
    assert compute_figures(records, DATE_2025)[Figure.RD_RATIO].value == Decimal("5.2")

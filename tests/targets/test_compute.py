"""Each indicator of the fixtures on the hand-built dataset (see conftest.py for the rows)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Place
from targets import compute
from targets.compute import CITY
from targets.models import Indicator, ManualValue

from .conftest import B, D, K, T

pytestmark = pytest.mark.django_db


def values(code, date=D):
    """{"city": v, "T": v, "K": v} of the indicator with the fixtures' code on ``date``."""
    indicator = Indicator.objects.get(code=code)
    parts = compute.compute_parts(indicator, date)
    places = {p.code: p.pk for p in Place.objects.filter(code__in=[T, K])}
    return {
        "city": compute.value_of(indicator, parts.get(CITY)).value,
        "T": compute.value_of(indicator, parts.get(places[T])).value,
        "K": compute.value_of(indicator, parts.get(places[K])).value,
    }


def approx(value, places=4):
    return None if value is None else round(Decimal(value), places)


def test_national_cumulative_counts_every_enterprise_ever_recognised(dataset):
    # e1 (2024-06-01) and e6 (2019, expired 2021) in Taishan; Kaiping has none.
    assert values("national-giants") == {"city": 2, "T": 2, "K": 0}
    # On the baseline date only e6 had been recognised.
    assert values("national-giants", B) == {"city": 1, "T": 1, "K": 0}


def test_national_valid_counts_only_titles_valid_on_the_date(dataset):
    # e1 only: e6's title expired on 2021-12-31.
    assert values("national-giants-valid") == {"city": 1, "T": 1, "K": 0}
    assert values("national-giants-valid", B) == {"city": 0, "T": 0, "K": 0}


def test_provincial_cumulative_excludes_revoked_titles(dataset):
    # e1, e2 (T), e3, e4 (K); e5's title was revoked.
    assert values("provincial-srdi") == {"city": 4, "T": 2, "K": 2}
    # By 2023-12-31: e1, e2, e3 (e4 came in 2024).
    assert values("provincial-srdi", B) == {"city": 3, "T": 2, "K": 1}


def test_provincial_valid_on_the_date(dataset):
    # D: e1 (valid to 2025-08-31), e3, e4; e2 expired 2023-11-30.
    assert values("provincial-srdi-valid") == {"city": 3, "T": 1, "K": 2}
    # B: e1 and e3 — this is the cohort of the 713 goal in the records.
    assert values("provincial-srdi-valid", B) == {"city": 2, "T": 1, "K": 1}
    # After e1's title expires (2025-08-31) Taishan has none left.
    assert values("provincial-srdi-valid", dt.date(2025, 9, 30))["T"] == 0


def test_cohort_output_ratio(dataset):
    # Cohort: e1, e3 (valid provincial on 2023-12-31). Latest quarter ≤ D with figures: 2025Q2,
    # compared with 2023Q2: (180 + 70) / (100 + 50) = 250 / 150. e4 (1000) is not in the cohort.
    v = values("cohort-output")
    assert approx(v["city"]) == approx(Decimal(250) / Decimal(150))
    assert approx(v["T"]) == Decimal("1.8000")  # 180 / 100
    assert approx(v["K"]) == Decimal("1.4000")  # 70 / 50


def test_cohort_profit_ratio_counts_losses(dataset):
    # (25 + −5) / (10 + 5) = 20 / 15
    v = values("cohort-profit")
    assert approx(v["city"]) == approx(Decimal(20) / Decimal(15))
    assert approx(v["K"]) == Decimal("-1.0000")  # −5 / 5


def test_cohort_ratio_uses_the_same_quarter_of_the_base_year(dataset):
    # On 2023-12-31 the latest quarter with cohort figures is 2023Q4: e1's 400 against itself.
    assert values("cohort-output", B)["city"] == 1
    # Before any cohort figure after the base year began: no value.
    assert values("cohort-output", dt.date(2023, 3, 30))["city"] is None


def test_rd_coverage_share(dataset):
    # Population on D (valid provincial or national): e1 (T), e3, e4 (K).
    # Municipal-or-higher R&D: e1 (municipal 2020), e3 (provincial 2024) → 2 / 3.
    v = values("rd-coverage")
    assert approx(v["city"]) == approx(Decimal(200) / 3)
    assert v["T"] == 100 and v["K"] == 50


def test_rd_provincial_share(dataset):
    # Provincial-or-higher R&D: e3 only → 1 / 3; Taishan 0 / 1; Kaiping 1 / 2.
    v = values("rd-provincial-share")
    assert approx(v["city"]) == approx(Decimal(100) / 3)
    assert v["T"] == 0 and v["K"] == 50


def test_rd_institution_recognised_after_the_date_does_not_count(dataset):
    # On 2023-12-31 the population is e1, e3; e3's centre dates from 2024 → 1 / 2 for coverage.
    assert values("rd-coverage", B)["city"] == 50


def test_invention_patents_use_latest_reported_value_up_to_the_date(dataset):
    # e1: 3 (2025Q1; 2025Q2 not reported), e3: 2 (2024Q4), e4: 1 (2025Q2; the 5 of 2025Q3 is later) → 2 / 3.
    v = values("invention-patents")
    assert approx(v["city"]) == approx(Decimal(200) / 3)
    assert v["K"] == 50


def test_trademarks_share(dataset):
    # e1: 1, e3: 2, e4: none → 1 / 3.
    assert approx(values("trademarks")["city"]) == approx(Decimal(100) / 3)


def test_digital_level_share(dataset):
    # e1: level 3, e3: level 2, e4: none → 1 / 3.
    v = values("digital-level")
    assert approx(v["city"]) == approx(Decimal(100) / 3)
    assert v["T"] == 100 and v["K"] == 0


def test_university_cooperation_share(dataset):
    # e1 (2024Q4: yes) → 1 / 3.
    assert approx(values("university-cooperation")["city"]) == approx(Decimal(100) / 3)


def test_tech_gap_share(dataset):
    # e4 (2025Q1: yes) → 1 / 3; in Kaiping 1 / 2.
    v = values("tech-gap")
    assert approx(v["city"]) == approx(Decimal(100) / 3)
    assert v["K"] == 50


def test_share_without_population_has_no_value(db):
    assert values("tech-gap") == {"city": None, "T": None, "K": None}


def test_listings_since_2024_of_srdi_firms_only(dataset):
    # e7 (municipal, listed 2024-05-01) counts; e8 has no title; e1 only passed review; e3 listed in 2023.
    assert values("listings") == {"city": 1, "T": 1, "K": 0}
    assert values("listings", B) == {"city": 0, "T": 0, "K": 0}


def test_manual_value_is_latest_report_up_to_the_date(dataset):
    brands = Indicator.objects.get(code="industry-brands")
    for as_of, value in ((dt.date(2024, 12, 31), 1), (dt.date(2025, 3, 1), 2), (dt.date(2025, 9, 1), 3)):
        ManualValue.objects.create(indicator=brands, as_of=as_of, value=value, evidence="市场监管局文件")
    assert values("industry-brands")["city"] == 2
    assert values("industry-brands", dt.date(2025, 12, 31))["city"] == 3
    assert values("industry-brands", B)["city"] is None


def test_manual_city_value_sums_counties_only_when_additive(dataset):
    taishan, kaiping = Place.objects.get(code=T), Place.objects.get(code=K)
    brands = Indicator.objects.get(code="industry-brands")
    ManualValue.objects.create(indicator=brands, county=taishan, as_of=dt.date(2025, 1, 1), value=1, evidence="x")
    ManualValue.objects.create(indicator=brands, county=kaiping, as_of=dt.date(2025, 2, 1), value=2, evidence="y")
    assert values("industry-brands") == {"city": 3, "T": 1, "K": 2}
    share = Indicator.objects.get(code="market-share")  # a percentage: never summed
    ManualValue.objects.create(indicator=share, county=taishan, as_of=dt.date(2025, 1, 1), value=10, evidence="x")
    assert values("market-share")["city"] is None


def test_last_quarter_ended():
    assert compute.last_quarter_ended(dt.date(2025, 6, 30)) == (2025, 2)
    assert compute.last_quarter_ended(dt.date(2025, 6, 29)) == (2025, 1)
    assert compute.last_quarter_ended(dt.date(2025, 2, 1)) == (2024, 4)


def test_every_fixture_indicator_has_valid_parameters(db):
    indicators = list(Indicator.objects.all())
    assert len(indicators) >= 14
    for indicator in indicators:
        indicator.full_clean()
        assert indicator.definition and indicator.unit
        assert indicator.baseline_date == dt.date(2023, 12, 31) and indicator.target_date == dt.date(2026, 12, 31)
        assert sorted(indicator.milestones.values_list("year", flat=True)) == [2024, 2025, 2026]


def test_bad_parameters_are_refused(db):
    indicator = Indicator.objects.get(code="national-giants")
    indicator.params = {"tier": "imperial"}
    with pytest.raises(ValidationError, match="imperial"):
        indicator.full_clean()
    indicator.kind, indicator.params = (
        "cohort_ratio",
        {"field": "employees", "cohort_tier": "provincial", "cohort_date": "2023-12-31", "base_year": 2023},
    )
    with pytest.raises(ValidationError):
        indicator.full_clean()

"""The pre-check in SQL (``precheck_sql``, the reserve pool's verdicts) against the Python
pre-check (``precheck``, the explanation) and against hand-worked cases.

Hand-worked: the provincial criteria of 2026 (fixtures/reference/090_criteria.yaml), 2026-06-15.
Varied: 160 enterprises of random records built to land on thresholds (ratios of exactly 3 %,
80 %, 50 %; zero and missing denominators; a missing last-year Q4; negative profit; quarters not
yet ended), compared with the Python verdict for every criteria set in force on four dates.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest

from enterprises.dynamics import selectors
from enterprises.dynamics.precheck import precheck
from enterprises.dynamics.precheck_sql import verdicts
from enterprises.models import (
    CriteriaSet,
    Enterprise,
    RDInstitution,
    RDInstitutionLevel,
    Statistic,
    Tag,
    Tier,
    Title,
    add_years,
)
from tests import factories

pytestmark = pytest.mark.django_db

DATE = dt.date(2026, 6, 15)


def strong(county_code="440781", *, shift=0, **changes):
    """Meets every provincial threshold of 2026; annual statistics of 2025 back to 2023 (``shift``
    years earlier)."""
    e = factories.make_enterprise(county_code)
    e.established_on, e.niche_market = dt.date(2012, 1, 1), "精密部件"
    e.save()
    factories.make_title(e, "innovative", DATE - dt.timedelta(days=400))
    y = 2025 - shift
    last = dict(
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
    last.update(changes)
    factories.make_annual(e, y, **last)
    factories.make_annual(e, y - 1, revenue=4500, rd_expense=550)
    factories.make_annual(e, y - 2, revenue=4000)
    factories.make_rd_institution(e, "national-etc")
    return e


def sql_verdicts(enterprises, tier_code="provincial", date=DATE):
    tier = Tier.objects.get(code=tier_code)
    spec = selectors.criteria_spec(tier, date)
    required = [t.code for t in selectors.required_tiers(tier, date)]
    qs = Enterprise.objects.filter(pk__in=[e.pk for e in enterprises])
    return {v.enterprise_id: v for v in verdicts(qs, spec, date, required)}


def test_hand_worked_provincial_2026():
    eligible = strong()
    # Thresholds: ladder (innovative title) met; niche 14 years ≥ 3; revenue 5000 ≥ 1500; main share
    # 4500/5000 = 90 % ≥ 80; debt 1600/4000 = 40 % ≤ 80; lower R&D of 2 years min(600, 550) = 550 ≥ 100;
    # lower R&D share min(12 %, 12.2 %) ≥ 3; class-I IP 5 ≥ 1.
    # Score (lowest): main share 90 % → 5; average growth (11.1 % + 12.5 %) / 2 = 11.8 % → 10; niche
    # 14 years → 5; fills a gap → 5; no focus tag → 0; digital level 3 → 5; quality unknown → 0;
    # margin 600/5000 = 12 % → 10; debt 40 % → 5; local characteristic unknown → 0; IP → 6; the R&D
    # item, the best of its bands: amount 600 → 10 (share 12 % → 10 too); R&D staff 25 % → 5; national
    # R&D institution → 10: 76 ≥ 50.
    no_ip = strong(class1_ip=None)  # the class-I IP threshold unknown: undetermined; score 76 − 6 = 70
    small = strong(revenue=1000, main_business_revenue=900)  # revenue 1000 < 1500: not eligible
    older = strong(shift=1)  # no Q4 of 2025: the figures of 2024 back to 2022 count, as eligible
    # R&D share 150/5000 = 3 % exactly, the lower of two years min(3 %, 550/4500) = 3 % ≥ 3: met; the R&D
    # item: amount 150 → 2, share 3 % → 2, best 2; margin 100/5000 = 2 % → 2: 76 − 8 − 8 = 60 ≥ 50
    exactly = strong(rd_expense=150, profit=100)
    got = sql_verdicts([eligible, no_ip, small, older, exactly])
    assert (got[eligible.pk].status, got[eligible.pk].score_min) == ("eligible", Decimal(76))
    assert (got[no_ip.pk].status, got[no_ip.pk].score_min) == ("unknown", Decimal(70))
    assert got[small.pk].status == "not_eligible"
    assert (got[older.pk].status, got[older.pk].score_min) == ("eligible", Decimal(76))
    assert (got[exactly.pk].status, got[exactly.pk].score_min) == ("eligible", Decimal(60))


def _random_city(rng: random.Random, n: int = 160) -> list[Enterprise]:
    from accounts.models import Place

    counties = list(Place.objects.filter(level="county"))
    tiers = {t.code: t for t in Tier.objects.all()}
    levels = list(RDInstitutionLevel.objects.all())
    tags = list(Tag.objects.all())
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                credit_code=factories.make_credit_code(counties[i % len(counties)].code, 700_000 + i),
                name=f"随机企业{i:04d}",
                county=counties[i % len(counties)],
                established_on=rng.choice([None, dt.date(2010, 6, 15), dt.date(2020, 6, 16), dt.date(2023, 1, 1)]),
                niche_market=rng.choice(["", "细分市场"]),
            )
            for i in range(n)
        ]
    )
    stats, titles, institutions = [], [], []
    amounts = [None, Decimal(0), Decimal(100), Decimal(150), Decimal("1499.99"), Decimal(1500), Decimal(5000)]
    for e in enterprises:
        for year in (2021, 2022, 2023, 2024, 2025, 2026):
            for quarter in (1, 2, 3, 4):
                if rng.random() < (0.75 if quarter == 4 else 0.15):
                    revenue = rng.choice(amounts)
                    base = revenue if revenue else Decimal(1000)
                    stats.append(
                        Statistic(
                            enterprise=e,
                            year=year,
                            quarter=quarter,
                            revenue=revenue,
                            main_business_revenue=rng.choice([None, base * Decimal("0.8"), base * Decimal("0.6")]),
                            profit=rng.choice([None, Decimal(-50), Decimal(0), base / 10, base / 50]),
                            total_assets=rng.choice([None, Decimal(0), Decimal(2000), Decimal(4000)]),
                            total_liabilities=rng.choice([None, Decimal(1000), Decimal(2000), Decimal(3200)]),
                            rd_expense=rng.choice([None, Decimal(0), base * 3 / 100, Decimal(100), Decimal(600)]),
                            employees=rng.choice([None, 0, 40, 100]),
                            rd_staff=rng.choice([None, 4, 10, 20]),
                            class1_ip=rng.choice([None, 0, 1, 3]),
                            invention_patents=rng.choice([None, 0, 2, 5]),
                            trademarks=rng.choice([None, 0, 1]),
                            digital_level=rng.choice([None, 1, 2, 3, 4]),
                            fills_tech_gap=rng.choice([None, True, False]),
                        )
                    )
        for code in rng.sample(["innovative", "municipal", "provincial", "national"], rng.randint(0, 2)):
            recognised = dt.date(rng.choice([2021, 2023, 2025]), rng.choice([1, 6, 12]), 1)
            titles.append(
                Title(
                    enterprise=e,
                    tier=tiers[code],
                    recognised_on=recognised,
                    valid_until=add_years(recognised, tiers[code].validity_years),
                )
            )
        for level in rng.sample(levels, rng.randint(0, 2)):
            institutions.append(
                RDInstitution(enterprise=e, level=level, name=f"{e.name}{level.code}", recognised_year=2020)
            )
    Statistic.objects.bulk_create(stats)
    Title.objects.bulk_create(titles)
    RDInstitution.objects.bulk_create(institutions)
    through = Enterprise.tags.through
    through.objects.bulk_create(
        [through(enterprise=e, tag=tag) for e in enterprises for tag in rng.sample(tags, rng.randint(0, 2))]
    )
    return enterprises


@pytest.mark.parametrize(
    "date", [dt.date(2026, 6, 15), dt.date(2026, 3, 31), dt.date(2025, 6, 30), dt.date(2026, 1, 10)]
)
def test_sql_verdicts_equal_the_python_precheck_on_varied_data(date):
    enterprises = _random_city(random.Random(date.toordinal()))
    qs = Enterprise.objects.filter(pk__in=[e.pk for e in enterprises])
    sets = list(CriteriaSet.objects.in_force(date).select_related("tier"))
    assert {s.code for s in sets} >= {"listing-bse-2024"} and any(s.tier_id for s in sets)
    compared = {"eligible": 0, "unknown": 0, "not_eligible": 0}
    for criteria_set in sets:
        if criteria_set.tier_id:
            tier = criteria_set.tier
            spec = selectors.criteria_spec(tier, date)
            if spec.code != criteria_set.code:
                continue  # an older set of the tier still open-ended; the newest is the one in force
            required = [t.code for t in selectors.required_tiers(tier, date)]
        else:
            tier, spec, required = None, selectors.venue_criteria_spec(criteria_set.venue, date), []
        records = selectors.load_records(enterprises, date=date, target=tier)
        got = {v.enterprise_id: v for v in verdicts(qs, spec, date, required)}
        assert set(got) == {e.pk for e in enterprises}
        for e in enterprises:
            expected = precheck(records[e.pk], spec, date)
            assert (got[e.pk].status, got[e.pk].score_min) == (
                expected.status,
                expected.score_min,
            ), f"{spec.code} {e.name}"
            compared[expected.status] += 1
    assert all(compared.values()), compared  # each outcome occurs

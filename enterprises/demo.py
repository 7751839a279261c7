"""A realistic synthetic Jiangmen for demos, tests and benchmarks (deterministic for a given seed).

About 3,000 demo enterprises across the seven counties; titles in yearly batches so that exactly
24 national 小巨人 and 713 provincial 专精特新 titles are valid on 2023-12-31 and both grow through
2024–2026; reviews (复核) at expiry; quarterly statistics 2023Q1 to the last ended quarter; R&D
institutions and listing records. Every row is marked ``is_demo``. Rows are written with
``bulk_create`` (no query per row) and the run is recorded as one audit entry.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Place
from enterprises.choices import ListingStage, ListingVenue, TitleStatus
from enterprises.identifiers import make_credit_code
from enterprises.models import (
    Enterprise,
    Industry,
    ListingRecord,
    RDInstitution,
    RDInstitutionLevel,
    Statistic,
    Tag,
    Tier,
    Title,
    add_years,
)

BASELINE = dt.date(2023, 12, 31)
PROVINCIAL_VALID_AT_BASELINE = 713
NATIONAL_VALID_AT_BASELINE = 24

COUNTY_WEIGHTS = {"440703": 20, "440704": 12, "440705": 20, "440781": 11, "440783": 13, "440784": 16, "440785": 8}
NAME_PREFIX = {
    "440703": "江门市",
    "440704": "江门市",
    "440705": "江门市新会区",
    "440781": "台山市",
    "440783": "开平市",
    "440784": "鹤山市",
    "440785": "恩平市",
}
SYLLABLES = "宏达精创新华科联盛恒泰源邦瑞力信美德嘉远凯锐骏图晟丰星海川明裕昌隆博万顺捷龙威"
# (business word, GB/T 4754 division, pilot-sector tag or "", focus-area tag)
TRADES = [
    ("精密机械", "34", "", "core-parts"),
    ("电子科技", "39", "new-electronics", "core-components"),
    ("五金制品", "33", "hardware-stainless", "basic-process"),
    ("不锈钢制品", "33", "hardware-stainless", "key-materials"),
    ("新材料", "26", "", "key-materials"),
    ("智能装备", "35", "", "core-parts"),
    ("电器", "38", "small-appliances", "core-components"),
    ("摩托车配件", "37", "motorcycle", "core-parts"),
    ("纸业", "22", "paper", "basic-process"),
    ("光电科技", "39", "new-electronics", "core-components"),
    ("化工", "26", "", "key-materials"),
    ("生物科技", "27", "", "industry-tech-base"),
    ("汽车零部件", "36", "", "core-parts"),
    ("照明科技", "38", "small-appliances", "core-components"),
    ("电池科技", "38", "", "key-materials"),
    ("软件", "65", "", "key-software"),
    ("仪器仪表", "40", "", "industry-tech-base"),
    ("塑胶制品", "29", "", "basic-process"),
]
NICHES = {
    "34": ["精密轴承", "液压阀组", "数控刀具"],
    "39": ["柔性电路板", "片式电感", "LED 驱动芯片"],
    "33": ["不锈钢厨具", "精密五金件", "锁具"],
    "26": ["改性塑料", "电子化学品", "水性涂料"],
    "35": ["包装机械", "食品机械", "注塑机械手"],
    "38": ["小家电电机", "储能变流器", "锂电池模组"],
    "37": ["摩托车发动机配件", "电动车控制器"],
    "22": ["特种纸", "食品包装纸"],
    "27": ["生物制剂", "中药饮片"],
    "36": ["汽车线束", "制动系统"],
    "65": ["工业软件", "MES 系统"],
    "40": ["流量计", "检测仪器"],
    "29": ["工程塑料件", "医用塑料制品"],
}
FAMILY = "陈李黄梁张林吴谭关余邓冯何周刘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"


@dataclass
class Plan:
    """Which titles one enterprise receives (dates), decided before anything is written."""

    titles: list = field(default_factory=list)  # (tier_code, recognised_on, batch, review)


def _unique_serial(rng: random.Random, used: set) -> int:
    while True:
        serial = rng.randrange(31**8, 31**9)
        if serial not in used:
            used.add(serial)
            return serial


def _weighted_county(rng: random.Random) -> str:
    codes = list(COUNTY_WEIGHTS)
    return rng.choices(codes, weights=[COUNTY_WEIGHTS[c] for c in codes])[0]


def _name(rng: random.Random, county_code: str, trade: str, used: set) -> str:
    while True:
        name = f"{NAME_PREFIX[county_code]}{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}{trade}有限公司"
        if name not in used:
            used.add(name)
            return name


def _batch_date(year: int, month: int, rng: random.Random) -> dt.date:
    return dt.date(year, month, rng.randint(5, 25))


def _review_outcome(rng: random.Random, expiry: dt.date, today: dt.date) -> str:
    """What happened at a title's expiry: passed (+3 years), failed, pending or not yet due."""
    if expiry >= today:
        return "due_later"
    if (today - expiry).days < 60:
        return "pending"
    return rng.choices(["passed", "failed"], weights=[88, 12])[0]


def seed(*, rng: random.Random, today: dt.date, stdout, count: int = 3000) -> dict:
    tiers = {t.code: t for t in Tier.objects.all()}
    counties = {p.code: p for p in Place.objects.filter(level="county")}
    industries = {i.code: i for i in Industry.objects.filter(level="division")}
    tags = {t.code: t for t in Tag.objects.all()}
    levels = {lv.code: lv for lv in RDInstitutionLevel.objects.all()}

    # ---- enterprises -------------------------------------------------------------------------
    used_names: set = set(Enterprise.objects.values_list("name", flat=True))
    used_serials: set = set()
    enterprises = []
    trades = []
    for _ in range(count):
        county_code = _weighted_county(rng)
        trade = rng.choice(TRADES)
        trades.append(trade)
        family, given = rng.choice(FAMILY), rng.choice(GIVEN) + rng.choice(GIVEN)
        enterprises.append(
            Enterprise(
                credit_code=make_credit_code(county_code, _unique_serial(rng, used_serials)),
                name=_name(rng, county_code, trade[0], used_names),
                county=counties[county_code],
                industry=industries[trade[1]],
                niche_market=rng.choice(NICHES.get(trade[1], ["通用零部件"])),
                address=f"{counties[county_code].name}{rng.choice(['工业大道', '高新路', '科技园路', '滨江大道', '沿江路'])}{rng.randint(1, 300)}号",
                established_on=dt.date(rng.randint(1995, 2019), rng.randint(1, 12), rng.randint(1, 28)),
                contact_person=family + given,
                contact_phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                is_demo=True,
            )
        )
    Enterprise.objects.bulk_create(enterprises, batch_size=1000)
    enterprises = list(Enterprise.objects.filter(credit_code__in=[e.credit_code for e in enterprises]).order_by("id"))
    tag_links = []
    through = Enterprise.tags.through
    for ent, trade in zip(enterprises, trades, strict=True):
        if trade[2]:
            tag_links.append(through(enterprise_id=ent.pk, tag_id=tags[trade[2]].pk))
        tag_links.append(through(enterprise_id=ent.pk, tag_id=tags[trade[3]].pk))
        if rng.random() < 0.3:
            cluster = rng.choice([t for t in tags.values() if t.kind == "cluster"])
            tag_links.append(through(enterprise_id=ent.pk, tag_id=cluster.pk))
    through.objects.bulk_create(tag_links, batch_size=2000, ignore_conflicts=True)

    # ---- who gets which title ------------------------------------------------------------------
    order = enterprises[:]
    rng.shuffle(order)
    plans = {e.pk: Plan() for e in enterprises}
    # provincial batches: those valid on 2023-12-31 sum to exactly 713.
    prov_batches = [
        (2020, 140, False),
        (2021, 205, True),
        (2022, 231, True),
        (2023, 277, True),
        (2024, 236, True),
        (2025, 252, True),
        (2026, 214, True),
    ]
    assert sum(n for y, n, _ in prov_batches if 2021 <= y <= 2023) == PROVINCIAL_VALID_AT_BASELINE
    cursor = 0
    provincial_by_year: dict[int, list] = {}
    for year, n, _ in prov_batches:
        chosen = order[cursor : cursor + n]
        cursor += n
        provincial_by_year[year] = chosen
        # Guangdong announces most batches in September; the 2023 batch came at the year's end, so
        # its titles fall due for review around now (the calendar and reviews have rows to show).
        month = 12 if year == 2023 else 9
        recognised = (
            _batch_date(year, month, rng)
            if year < today.year or dt.date(year, month, 25) <= today
            else _batch_date(today.year - 1, month, rng)
        )
        for ent in chosen:
            plans[ent.pk].titles.append(("provincial", recognised, f"{year}年广东省专精特新中小企业"))
    provincial_pool = order[:cursor]
    # innovative: every provincial firm recognised from 2022 held one the year before; plus others.
    for year in (2022, 2023, 2024, 2025, 2026):
        for ent in provincial_by_year[year]:
            plans[ent.pk].titles.append(
                ("innovative", _batch_date(year - 1, 7, rng), f"{year - 1}年广东省创新型中小企业")
            )
    others = order[cursor:]
    for idx, ent in enumerate(others[:1200]):
        year = 2021 + idx % 6
        if dt.date(year, 7, 25) > today:
            year -= 1
        plans[ent.pk].titles.append(("innovative", _batch_date(year, 7, rng), f"{year}年广东省创新型中小企业"))
    for idx, ent in enumerate(others[:350]):
        year = 2022 + idx % 5
        if dt.date(year, 11, 25) > today:
            year -= 1
        plans[ent.pk].titles.append(("municipal", _batch_date(year, 11, rng), f"{year}年江门市专精特新中小企业"))
    # national: 24 valid on 2023-12-31 (batches 2021–2023), then more each year; from 2022-08-01
    # each needs a valid provincial title, so they are drawn from earlier provincial batches.
    national_batches = [(2021, 8), (2022, 7), (2023, 9), (2024, 7), (2025, 8), (2026, 6)]
    assert sum(n for y, n in national_batches if y <= 2023) == NATIONAL_VALID_AT_BASELINE
    national_candidates = [e for y in (2020, 2021, 2022, 2023, 2024) for e in provincial_by_year[y]]
    rng.shuffle(national_candidates)
    taken: set = set()
    for year, n in national_batches:
        recognised = _batch_date(year, 7, rng)
        if recognised > today:
            recognised = _batch_date(today.year - 1, 7, rng)
        chosen = []
        for ent in national_candidates:
            if ent.pk in taken:
                continue
            prov_date = next(d for code, d, _b in plans[ent.pk].titles if code == "provincial")
            # the provincial title must be valid on the national recognition date (3-year validity)
            if prov_date < recognised and prov_date.year >= recognised.year - 2:
                chosen.append(ent)
                taken.add(ent.pk)
            if len(chosen) == n:
                break
        assert len(chosen) == n, (year, len(chosen))
        for ent in chosen:
            plans[ent.pk].titles.append(
                ("national", recognised, f"{year}年第{rng.randint(4, 6)}批专精特新“小巨人”企业")
            )

    # ---- titles with their reviews ---------------------------------------------------------------
    titles = []
    for ent in enterprises:
        for tier_code, recognised, batch in plans[ent.pk].titles:
            tier = tiers[tier_code]
            valid_until = add_years(recognised, tier.validity_years)
            status, ended_on, reason = TitleStatus.VALID, None, ""
            if tier_code in ("provincial", "national") and not (tier_code == "provincial" and recognised.year == 2020):
                outcome = _review_outcome(rng, valid_until, today)
                if outcome == "passed":
                    valid_until = add_years(recognised, tier.validity_years * 2)
                    if valid_until < today:
                        status = TitleStatus.EXPIRED
                elif outcome == "failed":
                    ended_on = valid_until + dt.timedelta(days=rng.randint(1, 59))
                    status, reason = TitleStatus.EXPIRED, "复核未通过"
                elif outcome == "pending":
                    status = TitleStatus.UNDER_REVIEW
            elif valid_until < today:
                status = TitleStatus.EXPIRED
            titles.append(
                Title(
                    enterprise=ent,
                    tier=tier,
                    batch=batch,
                    recognised_on=recognised,
                    valid_until=valid_until,
                    status=status,
                    ended_on=ended_on,
                    end_reason=reason,
                    document_no=f"{tier.recognised_by[:2]}〔{recognised.year}〕{rng.randint(10, 99)}号",
                )
            )
    # a few revocations (dynamic management)
    for title in rng.sample([t for t in titles if t.tier.code == "provincial" and t.recognised_on.year >= 2024], 4):
        title.status, title.ended_on, title.end_reason = (
            TitleStatus.REVOKED,
            min(today, title.recognised_on + dt.timedelta(days=400)),
            "发生较大安全生产事故",
        )
    Title.objects.bulk_create(titles, batch_size=2000)

    # ---- statistics ---------------------------------------------------------------------------------
    best_rank: dict[int, int] = {}
    for t in titles:
        best_rank[t.enterprise_id] = max(best_rank.get(t.enterprise_id, 0), t.tier.rank)
    last_year, last_quarter = _last_ended_quarter(today)
    stats = []
    for ent in enterprises:
        rank = best_rank.get(ent.pk, 0)
        base = Decimal(rng.lognormvariate([7.6, 8.2, 8.6, 9.0, 10.0][rank], 0.45)).quantize(
            Decimal("0.01")
        )  # 万元/year 2023
        growth = rng.uniform(-0.05, 0.30) + 0.03 * rank
        margin = rng.uniform(0.02, 0.12)
        rd_share = rng.uniform(0.015, 0.04) + 0.008 * rank
        patents = rng.randint(0, 3 + 2 * rank)
        trademarks = rng.randint(0, 2 + rank)
        digital = min(4, max(1, round(rng.gauss(1.6 + 0.4 * rank, 0.7))))
        employees = int(float(base) / rng.uniform(40, 90)) + 10
        for year in range(2023, last_year + 1):
            annual = base * Decimal(str((1 + growth) ** (year - 2023)))
            if year > 2023 and rng.random() < 0.25:
                patents += 1
            if year > 2023 and rng.random() < 0.2 and digital < 4:
                digital += 1
            for quarter in range(1, 5):
                if (year, quarter) > (last_year, last_quarter):
                    break
                share = Decimal(quarter) / 4 * Decimal(str(rng.uniform(0.95, 1.05)))
                revenue = (annual * share).quantize(Decimal("0.01"))
                stats.append(
                    Statistic(
                        enterprise_id=ent.pk,
                        year=year,
                        quarter=quarter,
                        output_value=(revenue * Decimal("1.06")).quantize(Decimal("0.01")),
                        revenue=revenue,
                        main_business_revenue=(revenue * Decimal(str(rng.uniform(0.72, 0.98)))).quantize(
                            Decimal("0.01")
                        ),
                        profit=(revenue * Decimal(str(margin + rng.uniform(-0.03, 0.02)))).quantize(Decimal("0.01")),
                        total_assets=(annual * Decimal("1.3")).quantize(Decimal("0.01")),
                        total_liabilities=(annual * Decimal(str(rng.uniform(0.4, 0.9)))).quantize(Decimal("0.01")),
                        rd_expense=(revenue * Decimal(str(rd_share))).quantize(Decimal("0.01")),
                        export_revenue=(revenue * Decimal(str(rng.uniform(0, 0.4)))).quantize(Decimal("0.01")),
                        employees=employees,
                        rd_staff=max(1, int(employees * rng.uniform(0.08, 0.2))),
                        invention_patents=patents,
                        class1_ip=patents + rng.randint(0, 2),
                        trademarks=trademarks,
                        digital_level=digital,
                        university_cooperation=rng.random() < 0.2 + 0.1 * rank,
                        fills_tech_gap=rng.random() < 0.05 + 0.05 * rank,
                    )
                )
    Statistic.objects.bulk_create(stats, batch_size=5000)

    # ---- R&D institutions and listings -----------------------------------------------------------
    rd = []
    for ent in provincial_pool:
        roll = rng.random()
        if roll < 0.55:
            rd.append(
                RDInstitution(
                    enterprise=ent,
                    level=levels["municipal-etrc"],
                    name=f"{ent.name[-12:-4]}市级工程技术研究中心",
                    recognised_year=rng.randint(2015, 2025),
                )
            )
        elif roll < 0.75:
            code = rng.choice(["provincial-etrc", "provincial-etc"])
            rd.append(
                RDInstitution(
                    enterprise=ent,
                    level=levels[code],
                    name=f"{ent.name[-12:-4]}{levels[code].name}",
                    recognised_year=rng.randint(2015, 2025),
                )
            )
        elif roll < 0.78:
            rd.append(
                RDInstitution(
                    enterprise=ent,
                    level=levels["national-etc"],
                    name=f"{ent.name[-12:-4]}国家企业技术中心",
                    recognised_year=rng.randint(2018, 2025),
                )
            )
    RDInstitution.objects.bulk_create(rd, batch_size=2000)
    listings = []
    listed_plan = [(2024, 1), (2025, 2), (2026, 1)]
    candidates = [e for e in provincial_pool if best_rank.get(e.pk) == 4] + provincial_pool
    used = set()
    for year, n in listed_plan:
        for ent in candidates:
            if n == 0:
                break
            if ent.pk in used:
                continue
            used.add(ent.pk)
            n -= 1
            date = min(today, dt.date(year, rng.randint(3, 10), rng.randint(1, 28)))
            venue = rng.choice([ListingVenue.SZSE_CHINEXT, ListingVenue.BSE, ListingVenue.SSE_STAR])
            listings.append(
                ListingRecord(
                    enterprise=ent, stage=ListingStage.TUTORING, venue=venue, date=date - dt.timedelta(days=420)
                )
            )
            listings.append(
                ListingRecord(
                    enterprise=ent,
                    stage=ListingStage.LISTED,
                    venue=venue,
                    date=date,
                    stock_code=f"{rng.randint(300000, 301999)}",
                )
            )
    for ent in [e for e in provincial_pool if e.pk not in used][:12]:
        listings.append(
            ListingRecord(
                enterprise=ent,
                stage=ListingStage.TUTORING,
                venue=ListingVenue.BSE,
                date=today - dt.timedelta(days=rng.randint(30, 500)),
            )
        )
    ListingRecord.objects.bulk_create(listings)

    summary = {
        "enterprises": len(enterprises),
        "titles": len(titles),
        "statistics": len(stats),
        "rd_institutions": len(rd),
        "listing_records": len(listings),
        "provincial_valid_2023_12_31": Title.objects.filter(tier__code="provincial", enterprise__is_demo=True)
        .valid_on(BASELINE)
        .count(),
        "national_valid_2023_12_31": Title.objects.filter(tier__code="national", enterprise__is_demo=True)
        .valid_on(BASELINE)
        .count(),
        "provincial_valid_today": Title.objects.filter(tier__code="provincial", enterprise__is_demo=True)
        .valid_on(today)
        .count(),
        "national_valid_today": Title.objects.filter(tier__code="national", enterprise__is_demo=True)
        .valid_on(today)
        .count(),
    }
    return summary


def _last_ended_quarter(today: dt.date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3  # the quarter before the current one
    if quarter == 0:
        return today.year - 1, 4
    return today.year, quarter

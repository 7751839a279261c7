"""Demo rows for the goals dashboards: default county allocations, reported values with evidence
(industry brands, market share), a few R&D institutions and listings when the demo has none, and a
first set of snapshots (today and every quarter end since the baseline, for the trend charts).

Called by ``seed_demo`` after the demo enterprises, titles and statistics exist. Deterministic
(``rng``), idempotent (skips what is there) and bulk (no query per row).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from core import context
from enterprises.choices import ListingStage, ListingVenue
from enterprises.models import Enterprise, ListingRecord, RDInstitution, RDInstitutionLevel, Title, title_valid_on

from . import compute, services
from .choices import IndicatorKind, RunTrigger
from .models import Allocation, Indicator, ManualValue, Snapshot

BRANDS = [
    (
        dt.date(2024, 12, 31),
        1,
        "江门市市场监督管理局《关于公布2024年江门市专精特新产业品牌的通知》：“江门五金·精工智造”区域品牌。",
    ),
    (dt.date(2025, 12, 31), 2, "2025年新增“新会陈皮·专精特新”产业品牌；培育计划及验收材料已存档。"),
]
MARKET_SHARE = [
    (dt.date(2023, 12, 31), Decimal("8.2"), "2023年度行业协会统计：重点专精特新企业主导产品国内市场占有率测算表。"),
    (dt.date(2024, 12, 31), Decimal("8.9"), "2024年度行业协会统计测算表（抽样126家）。"),
    (dt.date(2025, 12, 31), Decimal("9.6"), "2025年度行业协会统计测算表（抽样148家）。"),
]


def seed(*, rng: random.Random, today: dt.date, stdout) -> None:
    with context.use(context.ActionContext(source="cli")):
        created = _consistent_allocations()
        stdout.write(f"targets: {created} county allocations whose baselines and targets add up to the city's")
        created = services.allocations_ensure_defaults()
        stdout.write(f"targets: {created} default county allocations")
        _manual_values(today, stdout)
        _records(rng=rng, today=today, stdout=stdout)
        if not Snapshot.objects.exists():
            run = services.run_create(trigger=RunTrigger.COMMAND, as_of=today)
            run = services.run_execute(run_id=run.pk)
            stdout.write(f"targets: snapshots — {run.get_status_display()}: {run.message}")


def _consistent_allocations() -> int:
    """County allocations of the title counts that add up: each county's declared baseline is its
    enterprises holding a valid title on the baseline date (so they sum to the city's declared 713
    and 24 when the records do), and its target is that baseline plus its share of the city's growth
    (target − baseline), shared in proportion to the fixture's default allocation (largest
    remainder, so the targets sum exactly to the city target and none is below its baseline).
    Indicators with stored allocations, or whose records do not add up to the declared baseline,
    are left alone (the allocation page warns about them)."""
    counties = {p.code: p for p in services.counties()}
    stored = set(Allocation.objects.values_list("indicator_id", flat=True).distinct())
    kinds = (IndicatorKind.TITLE_COUNT_VALID, IndicatorKind.TITLE_COUNT_CUMULATIVE)
    rows = []
    for indicator in Indicator.objects.filter(kind__in=kinds, additive=True).exclude(pk__in=stored):
        if indicator.baseline_value is None or indicator.target_value is None or not indicator.default_allocation:
            continue
        parts = compute.title_count_valid({"tier": indicator.params["tier"]}, indicator.baseline_date, None)
        baselines = {code: int(parts[p.pk].numerator or 0) if p.pk in parts else 0 for code, p in counties.items()}
        if sum(baselines.values()) != indicator.baseline_value:
            continue
        growth = int(indicator.target_value - indicator.baseline_value)
        weights = {code: Decimal(str(indicator.default_allocation.get(code, 0))) for code in counties}
        total_weight = sum(weights.values())
        if growth < 0 or not total_weight:
            continue
        exact = {code: growth * weights[code] / total_weight for code in counties}
        gains = {code: int(value) for code, value in exact.items()}
        for code in sorted(counties, key=lambda c: exact[c] - gains[c], reverse=True)[: growth - sum(gains.values())]:
            gains[code] += 1
        rows += [
            Allocation(
                indicator=indicator,
                county=place,
                baseline_value=baselines[code],
                target_value=baselines[code] + gains[code],
            )
            for code, place in counties.items()
        ]
    Allocation.objects.bulk_create(rows)
    return len(rows)


def _manual_values(today: dt.date, stdout) -> None:
    rows = []
    for code, entries in (("industry-brands", BRANDS), ("market-share", MARKET_SHARE)):
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None or ManualValue.objects.filter(indicator=indicator).exists():
            continue
        rows += [
            ManualValue(indicator=indicator, as_of=as_of, value=value, evidence=evidence)
            for as_of, value, evidence in entries
            if as_of <= today
        ]
    ManualValue.objects.bulk_create(rows)
    stdout.write(f"targets: {len(rows)} reported values")


def _records(*, rng: random.Random, today: dt.date, stdout) -> None:
    """R&D institutions and listings for some provincial firms, only if the demo has none."""
    provincial = list(
        Enterprise.objects.filter(
            is_demo=True, pk__in=Title.objects.filter(title_valid_on(today), tier__rank__gte=3).values("enterprise_id")
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not provincial:
        return
    if not RDInstitution.objects.exists():
        levels = list(RDInstitutionLevel.objects.order_by("rank"))
        weights = [6 if level.rank == 1 else 3 if level.rank == 2 else 1 for level in levels]
        chosen = rng.sample(provincial, k=int(len(provincial) * 0.6))
        RDInstitution.objects.bulk_create(
            [
                RDInstitution(
                    enterprise_id=pk,
                    level=(level := rng.choices(levels, weights)[0]),
                    name=f"{level.name}（示例）",
                    recognised_year=rng.randint(2015, today.year),
                )
                for pk in chosen
            ]
        )
        stdout.write(f"targets: {len(chosen)} demo R&D institutions")
    if not ListingRecord.objects.exists():
        chosen = rng.sample(provincial, k=min(4, len(provincial)))
        venues = [ListingVenue.SZSE_CHINEXT, ListingVenue.SSE_STAR, ListingVenue.BSE, ListingVenue.SZSE_MAIN]
        records = []
        for pk, venue in zip(chosen, venues, strict=False):
            listed = dt.date(2024, 1, 1) + dt.timedelta(
                days=rng.randint(30, max(31, (today - dt.date(2024, 1, 1)).days))
            )
            records.append(
                ListingRecord(
                    enterprise_id=pk,
                    stage=ListingStage.LISTED,
                    venue=venue,
                    date=min(listed, today),
                    stock_code=f"{rng.randint(300000, 301999)}",
                )
            )
        ListingRecord.objects.bulk_create(records)
        stdout.write(f"targets: {len(records)} demo listings")

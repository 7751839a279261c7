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

from . import services
from .choices import RunTrigger
from .models import Indicator, ManualValue, Snapshot

BRANDS = [
    (dt.date(2024, 12, 31), 1, "江门市市场监督管理局《关于公布2024年江门市专精特新产业品牌的通知》：“江门五金·精工智造”区域品牌。"),
    (dt.date(2025, 12, 31), 2, "2025年新增“新会陈皮·专精特新”产业品牌；培育计划及验收材料已存档。"),
]
MARKET_SHARE = [
    (dt.date(2023, 12, 31), Decimal("8.2"), "2023年度行业协会统计：重点专精特新企业主导产品国内市场占有率测算表。"),
    (dt.date(2024, 12, 31), Decimal("8.9"), "2024年度行业协会统计测算表（抽样126家）。"),
    (dt.date(2025, 12, 31), Decimal("9.6"), "2025年度行业协会统计测算表（抽样148家）。"),
]


def seed(*, rng: random.Random, today: dt.date, stdout) -> None:
    with context.use(context.ActionContext(source="cli")):
        created = services.allocations_ensure_defaults()
        stdout.write(f"targets: {created} default county allocations")
        _manual_values(today, stdout)
        _records(rng=rng, today=today, stdout=stdout)
        if not Snapshot.objects.exists():
            run = services.run_create(trigger=RunTrigger.COMMAND, as_of=today)
            run = services.run_execute(run_id=run.pk)
            stdout.write(f"targets: snapshots — {run.get_status_display()}: {run.message}")


def _manual_values(today: dt.date, stdout) -> None:
    rows = []
    for code, entries in (("industry-brands", BRANDS), ("market-share", MARKET_SHARE)):
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None or ManualValue.objects.filter(indicator=indicator).exists():
            continue
        rows += [ManualValue(indicator=indicator, as_of=as_of, value=value, evidence=evidence)
                 for as_of, value, evidence in entries if as_of <= today]
    ManualValue.objects.bulk_create(rows)
    stdout.write(f"targets: {len(rows)} reported values")


def _records(*, rng: random.Random, today: dt.date, stdout) -> None:
    """R&D institutions and listings for some provincial firms, only if the demo has none."""
    provincial = list(
        Enterprise.objects.filter(is_demo=True, pk__in=Title.objects.filter(title_valid_on(today), tier__rank__gte=3)
                                  .values("enterprise_id")).order_by("pk").values_list("pk", flat=True)
    )
    if not provincial:
        return
    if not RDInstitution.objects.exists():
        levels = list(RDInstitutionLevel.objects.order_by("rank"))
        weights = [6 if level.rank == 1 else 3 if level.rank == 2 else 1 for level in levels]
        chosen = rng.sample(provincial, k=int(len(provincial) * 0.6))
        RDInstitution.objects.bulk_create([
            RDInstitution(enterprise_id=pk, level=(level := rng.choices(levels, weights)[0]),
                          name=f"{level.name}（示例）", recognised_year=rng.randint(2015, today.year))
            for pk in chosen
        ])
        stdout.write(f"targets: {len(chosen)} demo R&D institutions")
    if not ListingRecord.objects.exists():
        chosen = rng.sample(provincial, k=min(4, len(provincial)))
        venues = [ListingVenue.SZSE_CHINEXT, ListingVenue.SSE_STAR, ListingVenue.BSE, ListingVenue.SZSE_MAIN]
        records = []
        for pk, venue in zip(chosen, venues, strict=False):
            listed = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(30, max(31, (today - dt.date(2024, 1, 1)).days)))
            records.append(ListingRecord(enterprise_id=pk, stage=ListingStage.LISTED, venue=venue, date=min(listed, today),
                                         stock_code=f"{rng.randint(300000, 301999)}"))
        ListingRecord.objects.bulk_create(records)
        stdout.write(f"targets: {len(records)} demo listings")

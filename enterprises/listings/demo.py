"""Demo reserve list (上市后备企业库) for ``seed_demo``: the demo city's enterprises that filed for
tutoring (辅导备案) enter the list; some move on to 申报受理, 审核通过 and 注册生效, one withdraws,
and each gets the actions taken for it, so the pipeline page, its funnel and the listings goal's
projection show a real picture."""

from __future__ import annotations

import datetime as dt

from ..choices import ListingStage, ListingVenue
from ..models import ListingRecord
from .choices import ActionKind
from .models import ListingAction, ListingReserveEntry

SPONSORS = ["广发证券股份有限公司", "中信证券股份有限公司", "招商证券股份有限公司", "华泰联合证券有限责任公司"]
# what becomes of the tutoring filers, in order: the stages after tutoring each one reaches
PATHS = [
    [ListingStage.ACCEPTED, ListingStage.APPROVED, ListingStage.REGISTERED],
    [ListingStage.ACCEPTED, ListingStage.APPROVED],
    [ListingStage.ACCEPTED],
    [ListingStage.ACCEPTED],
    [ListingStage.ACCEPTED, ListingStage.WITHDRAWN],
]


def seed(*, rng, today: dt.date, stdout) -> None:
    if ListingReserveEntry.objects.exists():
        stdout.write("listings: demo reserve list already present, skipped")
        return
    listed = ListingRecord.objects.filter(stage=ListingStage.LISTED).values("enterprise_id")
    filers = list(
        ListingRecord.objects.filter(stage=ListingStage.TUTORING, enterprise__is_demo=True)
        .exclude(enterprise_id__in=listed)
        .select_related("enterprise")
        .order_by("date", "pk")
    )
    entries, records, actions = [], [], []
    for index, filing in enumerate(filers):
        entry = ListingReserveEntry(
            enterprise=filing.enterprise,
            target_venue=filing.venue or ListingVenue.BSE,
            target_year=min(today.year + 1 + index % 2, 2100),
            sponsor=rng.choice(SPONSORS),
            entered_on=filing.date - dt.timedelta(days=rng.randint(20, 90)),
        )
        entries.append(entry)
        date = filing.date
        for stage in PATHS[index] if index < len(PATHS) else []:
            date = min(today, date + dt.timedelta(days=rng.randint(60, 150)))
            records.append(ListingRecord(enterprise=filing.enterprise, stage=stage, venue=filing.venue, date=date))
    ListingReserveEntry.objects.bulk_create(entries)
    ListingRecord.objects.bulk_create(records)
    for entry in entries:
        actions.append(
            ListingAction(
                entry=entry,
                kind=ActionKind.TUTORING,
                date=entry.entered_on + dt.timedelta(days=rng.randint(10, 40)),
                description="市金融局会同保荐机构上门辅导",
            )
        )
        actions.append(
            ListingAction(
                entry=entry,
                kind=ActionKind.MATCHMAKING,
                date=min(today, entry.entered_on + dt.timedelta(days=rng.randint(60, 200))),
                description="专精特新企业上市对接会（区域股权市场专精特新专板）",
            )
        )
    ListingAction.objects.bulk_create(actions)
    stdout.write(
        f"listings: {len(entries)} reserve entries, {len(records)} later listing steps, {len(actions)} actions"
    )

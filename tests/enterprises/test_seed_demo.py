"""seed_demo builds the demo city the goals are measured against, consistent with the ladder rules.

One test seeds the whole city inside the test's transaction (rolled back afterwards, so no other
test sees the demo rows) and checks it from several sides."""

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from enterprises.models import Enterprise, LadderRule, Statistic, Title

pytestmark = pytest.mark.django_db


def test_demo_city(django_capture_on_commit_callbacks):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()

    # exact baseline counts, and growth through 2024–2026
    baseline = dt.date(2023, 12, 31)
    assert Enterprise.objects.filter(is_demo=True).count() == 3000
    assert Title.objects.filter(tier__code="provincial").valid_on(baseline).count() == 713
    assert Title.objects.filter(tier__code="national").valid_on(baseline).count() == 24
    now = dt.date(2026, 10, 1)
    assert Title.objects.filter(tier__code="provincial").valid_on(now).count() > 1000
    assert Title.objects.filter(tier__code="national").valid_on(now).count() > 24
    assert set(Enterprise.objects.values_list("county__code", flat=True)) == {
        "440703",
        "440704",
        "440705",
        "440781",
        "440783",
        "440784",
        "440785",
    }
    assert Statistic.objects.filter(year=2023, quarter=1).count() == 3000
    assert User.objects.filter(role="county_official").count() == 7
    # the reserve pool page reads precomputed verdicts: the demo computes them for its day
    from enterprises.models import ReservePoolRefresh, ReserveVerdict

    refresh = ReservePoolRefresh.objects.get(tier__code="provincial")
    assert refresh.computed_for == timezone.localdate() and refresh.candidates > 0
    assert ReserveVerdict.objects.filter(tier__code="provincial", status="eligible").exists()
    # the reserve list: the demo's 12 tutoring filers that have not listed, five of them further on
    # (PATHS of enterprises/listings/demo.py: 注册生效, 审核通过, 申报受理 ×2, 撤回), two actions each
    from enterprises.listings.models import ListingAction, ListingReserveEntry
    from enterprises.models import ListingRecord

    assert ListingReserveEntry.objects.count() == 12 and ListingAction.objects.count() == 24
    assert ListingRecord.objects.filter(stage="registered").count() == 1
    assert ListingRecord.objects.filter(stage="withdrawn").count() == 1
    # service commissioners (support/demo.py): 台山's official serves its first 12 SRDI enterprises and
    # 3 of its reserve pool, 开平's its first 8; visits 6 + 2 in 台山 and 3 + 1 in 开平; nine requests,
    # one in every state, one of them overdue (received 21 days ago, never accepted)
    from support.models import CommissionerAssignment, EnterpriseRequest, RequestEvent, Visit
    from support.selectors import overdue_q

    served = CommissionerAssignment.objects.filter(is_current=True)
    assert served.filter(commissioner__username="taishan").count() == 15
    assert served.filter(commissioner__username="kaiping").count() == 8
    assert served.count() == 23 and Visit.objects.count() == 12
    states = dict(EnterpriseRequest.objects.values_list("status").annotate(n=Count("id")))
    assert states == {"pending": 3, "in_progress": 1, "replied": 1, "closed": 2, "suspended": 1, "returned": 1}
    assert EnterpriseRequest.objects.filter(overdue_q(timezone.localdate())).count() == 1
    assert set(EnterpriseRequest.objects.exclude(satisfaction="").values_list("satisfaction", flat=True)) == {
        "satisfied",
        "mostly",
    }
    # every step is kept: 9 recorded + 5 accepted + 3 replied + 2 closed + 2 rated + 1 suspended + 1 returned
    assert RequestEvent.objects.count() == 23
    # demo users are printed with their passwords
    assert "taishan" in printed and "Jm-Taishan-" in printed

    # every demo title respects the ladder rules in force on its recognition date
    titles = defaultdict(list)
    for t in Title.objects.select_related("tier"):
        titles[t.enterprise_id].append(t)
    rules = list(LadderRule.objects.select_related("tier", "requires"))
    for enterprise_titles in titles.values():
        for title in enterprise_titles:
            for rule in rules:
                if rule.tier_id == title.tier_id and rule.effective_from <= title.recognised_on:
                    assert any(
                        o.tier_id == rule.requires_id and o.is_valid_on(title.recognised_on)
                        for o in enterprise_titles
                        if o.pk != title.pk
                    ), title

    # running it again does not duplicate anything
    call_command("seed_demo", stdout=io.StringIO())
    assert Enterprise.objects.filter(is_demo=True).count() == 3000

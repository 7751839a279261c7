"""seed_demo builds the demo city the goals are measured against, consistent with the ladder rules."""
import datetime as dt
from collections import defaultdict

import pytest
from django.core.management import call_command

from accounts.models import User
from enterprises.models import Enterprise, LadderRule, Statistic, Title

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
        call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))
        yield
        Enterprise.objects.filter(is_demo=True).delete()
        User.objects.filter(username__in=["sysadmin", "secadmin", "auditor", "city", "kjj", "viewer", "pengjiang",
                                          "jianghai", "xinhui", "taishan", "kaiping", "heshan", "enping"]).delete()


def test_exact_baseline_counts_and_growth(demo_city):
    baseline = dt.date(2023, 12, 31)
    assert Enterprise.objects.filter(is_demo=True).count() == 3000
    assert Title.objects.filter(tier__code="provincial").valid_on(baseline).count() == 713
    assert Title.objects.filter(tier__code="national").valid_on(baseline).count() == 24
    now = dt.date(2026, 10, 1)
    assert Title.objects.filter(tier__code="provincial").valid_on(now).count() > 1000
    assert Title.objects.filter(tier__code="national").valid_on(now).count() > 24
    assert set(Enterprise.objects.values_list("county__code", flat=True)) == {
        "440703", "440704", "440705", "440781", "440783", "440784", "440785"}
    assert Statistic.objects.filter(year=2023, quarter=1).count() == 3000
    assert User.objects.filter(role="county_official").count() == 7


def test_every_demo_title_respects_the_ladder_rules(demo_city):
    titles = defaultdict(list)
    for t in Title.objects.select_related("tier"):
        titles[t.enterprise_id].append(t)
    rules = list(LadderRule.objects.select_related("tier", "requires"))
    for enterprise_titles in titles.values():
        for title in enterprise_titles:
            for rule in rules:
                if rule.tier_id == title.tier_id and rule.effective_from <= title.recognised_on:
                    assert any(o.tier_id == rule.requires_id and o.is_valid_on(title.recognised_on)
                               for o in enterprise_titles if o.pk != title.pk), title


def test_running_again_does_not_duplicate(demo_city):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))
    assert Enterprise.objects.filter(is_demo=True).count() == 3000

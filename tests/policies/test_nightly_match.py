"""The nightly match (beat ``policies.match_all_policies``): every policy in force against every
operating enterprise, stored per county; the policy list shows each reader her counties' counts.

On the hand-worked dataset of ``test_matching`` (2026-06-30): 台山 甲 meets, 丙 and 辛 miss one,
丁 unknown; 开平 壬 meets, 乙 misses one; 鹤山 戊 misses one. City: 2 meet, 4 miss one, 1 unknown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Place
from policies.models import PolicyMatchSummary
from policies.services import match_all_policies
from policies.tasks import match_all_policies as nightly_task

from .test_matching import DATE, add_conditions, dataset, make_policy  # noqa: F401  (dataset: a fixture)

pytestmark = pytest.mark.django_db


def test_summaries_per_county_by_hand(dataset):  # noqa: F811
    policy = make_policy()
    add_conditions(policy)
    expired = make_policy(title="已失效的政策", valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2025, 12, 31))
    PolicyMatchSummary.objects.create(policy=expired, as_of=dt.date(2025, 6, 30), counts={"1": {"met": 5}})
    result = match_all_policies(date=DATE)
    assert result["policies"] == 1
    summary = PolicyMatchSummary.objects.get(policy=policy)
    taishan, kaiping, heshan = (Place.objects.get(code=c).pk for c in ("440781", "440783", "440784"))
    assert summary.as_of == DATE
    assert summary.counts == {
        str(taishan): {"met": 1, "missed_one": 2, "unknown": 1},
        str(kaiping): {"met": 1, "missed_one": 1},
        str(heshan): {"missed_one": 1},
    }
    assert summary.for_counties(None) == {"met": 2, "missed_one": 4, "unknown": 1}
    assert summary.for_counties(taishan) == {"met": 1, "missed_one": 2, "unknown": 1}
    assert not PolicyMatchSummary.objects.filter(policy=expired).exists()  # no longer in force


def test_the_beat_job_runs_it_and_the_list_shows_each_readers_counts(
    dataset,  # noqa: F811
    monkeypatch,
    client,
    city_operator,
    taishan_official,
):
    monkeypatch.setattr(timezone, "localdate", lambda *a: DATE)
    assert settings.CELERY_BEAT_SCHEDULE["policies-match-all"]["task"] == nightly_task.name
    policy = make_policy()
    add_conditions(policy)
    assert nightly_task.delay().get()["policies"] == 1
    client.force_login(city_operator)
    html = client.get("/policies/").content.decode()
    assert "2 家符合 · 4 家差一项 · 1 家数据不足" in html
    client.force_login(taishan_official)
    html = client.get("/policies/").content.decode()
    assert "1 家符合 · 2 家差一项 · 1 家数据不足" in html and "2 家符合" not in html

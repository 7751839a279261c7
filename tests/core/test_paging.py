"""``core.paging.IdsFirstPaginator``: the web lists choose a page on primary keys, then read its
rows. The rows, their order and the page numbers must be exactly the plain paginator's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import IdsFirstPaginator, ids_first_page
from enterprises.models import Enterprise
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprises(db):
    names = ["丙", "甲", "乙", "甲", "丁", "乙", "戊"]  # repeated names: the key breaks the tie
    counties = ["440781", "440783"] * 4
    rows = [factories.make_enterprise(counties[i], name=f"{n}企业") for i, n in enumerate(names)]
    factories.make_title(rows[0], "innovative", dt.date(2025, 1, 1))
    factories.make_title(rows[3], "provincial", dt.date(2025, 1, 1))
    return rows


def listing():
    return (
        Enterprise.objects.with_current_tier()
        .select_related("county")
        .prefetch_related("tags")
        .order_by("county__sort_order", "name", "pk")
    )


@pytest.mark.parametrize("per_page, orphans", [(2, 0), (3, 1), (7, 0), (10, 0)])
def test_same_pages_as_the_plain_paginator(enterprises, per_page, orphans):
    plain = Paginator(listing(), per_page, orphans=orphans)
    first = IdsFirstPaginator(listing(), per_page, orphans=orphans)
    assert first.num_pages == plain.num_pages
    for number in plain.page_range:
        expected = plain.page(number)
        got = first.page(number)
        assert [e.pk for e in got] == [e.pk for e in expected]
        assert [e.current_tier_id for e in got] == [e.current_tier_id for e in expected]  # annotations read
        assert (got.start_index(), got.end_index(), got.has_next()) == (
            expected.start_index(),
            expected.end_index(),
            expected.has_next(),
        )


def test_rows_keep_their_joins_and_prefetches(enterprises):
    page = ids_first_page(listing(), 3, "1")
    with CaptureQueriesContext(connection) as captured:
        for enterprise in page:
            assert enterprise.county.code in {"440781", "440783"}
            list(enterprise.tags.all())
    assert len(captured) == 0


def test_a_page_costs_a_count_the_keys_and_the_rows(enterprises):
    with CaptureQueriesContext(connection) as captured:
        page = ids_first_page(listing(), 3, "2")
        list(page)
    # count, keys of the page, its rows, the tags prefetch
    assert len(captured) == 4
    assert "LIMIT 3" in captured[1]["sql"] and "OFFSET 3" in captured[1]["sql"]


def test_bad_page_numbers_as_get_page(enterprises):
    assert ids_first_page(listing(), 3, "abc").number == 1
    assert ids_first_page(listing(), 3, "99").number == 3
    assert list(ids_first_page(Enterprise.objects.none(), 3, "1")) == []


def test_lists_and_value_querysets_page_as_before(enterprises):
    assert list(ids_first_page([1, 2, 3, 4], 3, "2")) == [4]
    values = Enterprise.objects.order_by("pk").values("pk")
    assert list(ids_first_page(values, 2, "1")) == list(values[:2])


@pytest.fixture
def statistics(enterprises):
    """Three quarters: 2025Q4 for 5 enterprises, 2025Q3 for 3, 2024Q4 for 2 (10 rows)."""
    from enterprises.models import Statistic

    for e in enterprises[:5]:
        factories.make_statistic(e, 2025, 4)
    for e in enterprises[2:5]:
        factories.make_statistic(e, 2025, 3)
    for e in enterprises[5:7]:
        factories.make_statistic(e, 2024, 4)
    return Statistic.objects.select_related("enterprise__county").order_by(
        "-year", "-quarter", "enterprise__county__sort_order", "enterprise__name", "id"
    )


@pytest.mark.parametrize("per_page", [2, 3, 5, 6, 10])
def test_grouped_pages_are_the_plain_paginators(statistics, per_page):
    plain = Paginator(statistics, per_page)
    grouped = IdsFirstPaginator(statistics, per_page, group_by=("-year", "-quarter"))
    assert grouped.num_pages == plain.num_pages
    for number in plain.page_range:
        assert [s.pk for s in grouped.page(number)] == [s.pk for s in plain.page(number)]


def test_a_page_within_the_latest_quarter_is_chosen_there(statistics):
    # 5 rows in 2025Q4: pages 1 and 2 of 2 lie in it; page 3 (rows 5-6) runs into 2025Q3
    for number, within in ((1, True), (2, True), (3, False)):
        with CaptureQueriesContext(connection) as captured:
            IdsFirstPaginator(statistics, 2, group_by=("-year", "-quarter")).page(number)
        keys = [q["sql"] for q in captured if "LIMIT 2" in q["sql"]]
        assert len(keys) == 1
        assert ('"enterprises_statistic"."year" = 2025' in keys[0]) is within, keys[0]


def test_an_order_not_led_by_the_groups_pages_as_before(statistics):
    by_name = statistics.order_by("enterprise__name", "id")
    assert [s.pk for s in IdsFirstPaginator(by_name, 4, group_by=("-year", "-quarter")).page(1)] == [
        s.pk for s in Paginator(by_name, 4).page(1)
    ]


@pytest.mark.parametrize("per_page", [2, 3, 7])
def test_a_small_set_pages_as_the_plain_paginator(enterprises, per_page):
    everyone = Enterprise.objects.select_related("county").order_by("county__sort_order", "name", "pk")
    plain = Paginator(everyone, per_page)
    small = IdsFirstPaginator(everyone, per_page, small_set=7)
    assert small.small_set_ids is not None and sorted(small.small_set_ids) == sorted(e.pk for e in enterprises)
    assert (small.count, small.num_pages) == (plain.count, plain.num_pages)
    for number in plain.page_range:
        assert [e.pk for e in small.page(number)] == [e.pk for e in plain.page(number)]


def test_a_set_larger_than_small_or_sorted_on_an_annotation_pages_as_before(enterprises):
    everyone = Enterprise.objects.order_by("name", "pk")
    too_many = IdsFirstPaginator(everyone, 3, small_set=6)  # 7 enterprises
    assert too_many.small_set_ids is None
    assert [e.pk for e in too_many.page(2)] == [e.pk for e in Paginator(everyone, 3).page(2)]
    by_tier = listing().order_by("-current_tier_rank", "pk")  # an annotation: the set alone cannot be sorted
    paginator = IdsFirstPaginator(by_tier, 3, small_set=10)
    assert paginator.small_set_ids is None
    assert [e.pk for e in paginator.page(1)] == [e.pk for e in Paginator(by_tier, 3).page(1)]

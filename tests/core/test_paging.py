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

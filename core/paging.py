"""Pagination of the web lists at province scale.

``Paginator`` slices the whole query: PostgreSQL joins and sorts every matching row with all its
columns (related tables, annotations such as the current tier) to keep fifty of them. At 100,000
enterprises or 1.5 million statistics rows that sort of wide rows is most of a page's time.
``IdsFirstPaginator`` chooses the page on the primary keys alone (the same filters and the same
order, so the sort carries narrow rows and computes only what the order needs), then reads those
rows by key with their joins, annotations and prefetches. The rows and their order are exactly
the plain paginator's (``tests/core/test_paging.py``); it costs one query more per page. The REST
API does the same for its pages (``core.api.ValuesListMixin``). Both count through
``core.counting.cached_count``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

from .counting import CountCachingPaginator, cached_count, cached_small_set


class IdsFirstPaginator(CountCachingPaginator):
    """A ``Paginator`` of a model queryset that selects each page by primary key first, its count
    cached until the data changes (``core.counting``). Anything else (a list, a ``values()``
    queryset) is paginated as by ``Paginator``.

    ``group_by`` names the leading fields of the order that split the list into groups, such as
    ``("-year", "-quarter")`` for statistics: a page that lies within the first group is chosen
    in that group alone (its value found on an index, its size counted and cached), so the
    database sorts one quarter's rows by county and name, not every quarter's.

    ``small_set`` (a number of rows) is for a list that is usually a few rows out of many, such
    as the enterprises that missed a deadline: while it matches at most that many rows, their keys
    are read as a set (cached like the counts, ``core.counting.cached_small_set``), and only they
    are sorted for the page.
    """

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        orphans: int = 0,
        *,
        group_by: Sequence[str] = (),
        small_set: int = 0,
    ):
        super().__init__(object_list, per_page, orphans)
        self.group_by = tuple(group_by)
        self.small_set = small_set

    @cached_property
    def small_set_ids(self) -> list[Any] | None:
        """The keys of every row, unordered, while they are at most ``small_set`` (else None)."""
        rows = self.object_list
        if not self.small_set or not isinstance(rows, QuerySet) or not _is_model_rows(rows):
            return None
        if set(rows.query.annotations) & {str(name).lstrip("-").split("__")[0] for name in rows.query.order_by}:
            return None  # ordered by an annotation: the set alone cannot be sorted
        return cached_small_set(rows, self.small_set)

    @cached_property
    def count(self) -> int:
        ids = self.small_set_ids
        return len(ids) if ids is not None else super().count

    def _page_keys(self, rows: QuerySet[Any], bottom: int, top: int) -> list[Any]:
        order = tuple(rows.query.order_by)
        if self.small_set_ids is not None:
            chosen = rows.model._base_manager.filter(pk__in=self.small_set_ids)
            if order:
                chosen = chosen.order_by(*order)
            elif not rows.query.default_ordering:
                chosen = chosen.order_by()
            return list(chosen.values_list("pk", flat=True)[bottom:top])
        if self.group_by and order[: len(self.group_by)] == self.group_by:
            fields = [name.lstrip("-") for name in self.group_by]
            first = rows.order_by(*self.group_by).values_list(*fields)[:1]
            for values in first:
                group = rows.filter(**dict(zip(fields, values, strict=True)))
                if top <= cached_count(group):
                    return list(group.values_list("pk", flat=True)[bottom:top])
        return list(rows.values_list("pk", flat=True)[bottom:top])

    def page(self, number: Any) -> Page[Any]:
        rows = self.object_list
        if not isinstance(rows, QuerySet) or not _is_model_rows(rows):
            return super().page(number)  # a list, or values()/values_list() rows
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self._page_keys(rows, bottom, top)
        by_id = {row.pk: row for row in rows.filter(pk__in=ids).order_by()} if ids else {}
        return Page([by_id[pk] for pk in ids if pk in by_id], number, self)


def _is_model_rows(rows: QuerySet[Any]) -> bool:
    return getattr(rows, "_iterable_class", None) is ModelIterable


def ids_first_page(
    queryset: QuerySet[Any], per_page: int, number: Any, *, group_by: Sequence[str] = (), small_set: int = 0
) -> Page[Any]:
    """The page ``number`` of ``queryset`` (``get_page`` semantics: a bad number gives the first
    page, one past the end the last), chosen on primary keys first (within the first group of
    ``group_by`` where it lies there)."""
    return IdsFirstPaginator(queryset, per_page, group_by=group_by, small_set=small_set).get_page(number)

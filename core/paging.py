"""Pagination of the web lists at province scale.

``Paginator`` slices the whole query: PostgreSQL joins and sorts every matching row with all its
columns (related tables, annotations such as the current tier) to keep fifty of them. At 100,000
enterprises or 1.5 million statistics rows that sort of wide rows is most of a page's time.
``IdsFirstPaginator`` chooses the page on the primary keys alone (the same filters and the same
order, so the sort carries narrow rows and computes only what the order needs), then reads those
rows by key with their joins, annotations and prefetches. The rows and their order are exactly
the plain paginator's (``tests/core/test_paging.py``); it costs one query more per page. The REST
API does the same for its pages (``core.api.ValuesListMixin``).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable


class IdsFirstPaginator(Paginator):  # type: ignore[type-arg]  # (not subscriptable at run time)
    """A ``Paginator`` of a model queryset that selects each page by primary key first. Anything
    else (a list, a ``values()`` queryset) is paginated as by ``Paginator``."""

    def page(self, number: Any) -> Page[Any]:
        rows = self.object_list
        if not isinstance(rows, QuerySet) or getattr(rows, "_iterable_class", None) is not ModelIterable:
            return super().page(number)  # a list, or values()/values_list() rows
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        by_id = {row.pk: row for row in rows.filter(pk__in=ids).order_by()} if ids else {}
        return Page([by_id[pk] for pk in ids if pk in by_id], number, self)


def ids_first_page(queryset: QuerySet[Any], per_page: int, number: Any) -> Page[Any]:
    """The page ``number`` of ``queryset`` (``get_page`` semantics: a bad number gives the first
    page, one past the end the last), chosen on primary keys first."""
    return IdsFirstPaginator(queryset, per_page).get_page(number)

"""The home page as a workbench: a small registry the apps contribute to.

An app names a module in its ``AppConfig.workbench`` attribute (e.g. ``workbench =
"enterprises.workbench"``). That module may define any of

- ``todos(user, today) -> list[Todo]``: what needs doing now, with a count and a link (or, when
  counting is costly, a ``Todo(source=url)`` the home page loads after it is shown);
- ``figures(user, today) -> list[Figure]``: key figures of the user's scope;
- ``activity(user, limit) -> list[Activity]``: recent activity in the user's scope;
- ``search(user, query, limit) -> list[SearchHit]``: the header search;
- ``task_panels(user, task, period) -> list[Panel]``: a table on a key task's page for a reporting
  period (the support ledger: what each unit granted under the task's policies).

The home and search views (``accounts.views.pages``) only call :func:`collect`; a new app (support
requests, …) adds its to-dos by declaring its own module, without touching these views. Every
contribution must read through ``for_user`` scoping itself: the registry does not filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps

KINDS = ("todos", "figures", "activity", "search", "task_panels")


@dataclass(frozen=True)
class Todo:
    label: str
    count: int
    url: str
    icon: str = "bi-check2-square"
    urgent: bool = False  # shown as a danger badge (overdue, lapsing soon)
    order: int = 100
    #: For to-dos too costly to count while the home page waits: the URL of an HTML fragment with
    #: the items (``label``/``count`` unused), fetched by the page once it is shown.
    source: str = ""


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    url: str = ""
    hint: str = ""
    order: int = 100


@dataclass(frozen=True)
class Activity:
    when: dt.datetime
    who: str
    what: str
    url: str = ""


@dataclass(frozen=True)
class SearchHit:
    group: str  # the kind of record, in Chinese (企业, 重点任务, 目标指标)
    title: str
    detail: str
    url: str
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A small table: ``headers`` then ``rows`` (cells already formatted), an optional ``total``
    row, the sentence shown when there are no rows, and a link to the full list."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str
    total: tuple[str, ...] | None = None
    url: str = ""
    link_label: str = ""
    note: str = ""
    order: int = 100


def providers(kind: str) -> list[Callable[..., list[Any]]]:
    """The ``kind`` functions of every installed app's workbench module, in app order."""
    if kind not in KINDS:
        raise ValueError(f"unknown workbench kind {kind!r}")
    found = []
    for config in apps.get_app_configs():
        module_name = getattr(config, "workbench", None)
        if not module_name:
            continue
        function = getattr(import_module(module_name), kind, None)
        if function is not None:
            found.append(function)
    return found


def collect(kind: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Every app's contribution of ``kind``, concatenated and ordered by ``order`` (stable)."""
    items: list[Any] = []
    for function in providers(kind):
        items.extend(function(*args, **kwargs))
    if kind in ("todos", "figures", "search", "task_panels"):
        items.sort(key=lambda item: item.order)
    elif kind == "activity":
        items.sort(key=lambda item: item.when, reverse=True)
    return items

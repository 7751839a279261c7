"""Breadcrumbs rendered on the server from the navigation menu itself (one source of truth).

``templates/includes/nav.html`` is rendered once per page; :func:`trail` reads that HTML (the
standard-library parser) and finds the menu item whose path is the longest prefix of the page's
path — the item the menu marks as current — and the menu that holds it. The trail is then
首页 › menu › item › page, the page being the page's own title (the ``title`` block)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.utils.html import strip_tags


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str = ""  # empty: not a link (a menu heading, or the current page)


@dataclass
class _Item:
    label: str
    path: str
    menu: str


class _NavParser(HTMLParser):
    """Collects the links of the menu: (label, path, the label of the dropdown holding them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[_Item] = []
        self._menu = ""
        self._depth = 0  # <li class="dropdown"> nesting
        self._dropdown_at: int | None = None
        self._link: dict[str, object] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "li":
            self._depth += 1
            if "dropdown" in classes:
                self._dropdown_at = self._depth
                self._menu = ""
        elif tag == "a":
            self._link = {"href": a.get("href") or "", "toggle": "dropdown-toggle" in classes}
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            label = " ".join("".join(self._text).split())
            if self._link["toggle"]:
                self._menu = label
            elif self._link["href"] and self._link["href"] != "#":
                menu = self._menu if self._dropdown_at is not None else ""
                self.items.append(_Item(label, urlsplit(str(self._link["href"])).path, menu))
            self._link = None
        elif tag == "li":
            if self._dropdown_at == self._depth:
                self._dropdown_at = None
                self._menu = ""
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._text.append(data)


def current_item(nav_html: str, path: str) -> tuple[str, str, str] | None:
    """(menu, item label, item path) of the menu item whose path is the longest prefix of ``path``."""
    parser = _NavParser()
    parser.feed(nav_html)
    best = None
    for item in parser.items:
        if item.path in ("", "/") or not path.startswith(item.path):
            continue
        if best is None or len(item.path) > len(best.path):
            best = item
    return (best.menu, best.label, best.path) if best else None


def trail(nav_html: str, path: str, title: str, *, home_url: str, home_label: str) -> list[Crumb]:
    """首页 › menu › menu item › this page. Empty on the home page itself."""
    if path == home_url:
        return []
    crumbs = [Crumb(home_label, home_url)]
    # rendered HTML → text; "页面 · 栏目" titles give their first part, the page's own name
    title = " ".join(html.unescape(strip_tags(title or "")).split("·")[0].split())
    found = current_item(nav_html, path)
    if found:
        menu, label, item_path = found
        if menu:
            crumbs.append(Crumb(menu))
        if item_path != path or not title:
            crumbs.append(Crumb(label, item_path if item_path != path else ""))
    if title and crumbs[-1].label != title:
        crumbs.append(Crumb(title))
    if crumbs[-1].url == path:  # the page itself is never a link
        crumbs[-1] = Crumb(crumbs[-1].label)
    return crumbs

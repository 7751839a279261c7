"""Breadcrumbs rendered on the server from the navigation menu (``core.breadcrumbs``): every page of
the menu and the detail pages below them carry 首页 › menu › item › page, in Chinese, with the
current page marked; pages with a trail of their own keep theirs (one trail per page)."""

from __future__ import annotations

import re

import pytest

from core.breadcrumbs import Crumb, trail
from tests import factories

NAV = """
<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#">企业数据</a>
  <ul class="dropdown-menu"><li><a class="dropdown-item" href="/enterprises/">企业库</a></li>
  <li><a class="dropdown-item" href="/enterprises/ladder/">梯度培育</a></li></ul></li>
<li class="nav-item"><a class="nav-link" href="/targets/"><i class="bi"></i> 目标看板</a></li>
"""


def test_trail_from_the_menu():
    home = {"home_url": "/", "home_label": "首页"}
    assert trail(NAV, "/", "首页", **home) == []
    # a menu item's own page: home › menu › the page (its title), not a link to itself
    assert trail(NAV, "/enterprises/ladder/", "梯度培育", **home) == [
        Crumb("首页", "/"),
        Crumb("企业数据"),
        Crumb("梯度培育"),
    ]
    # a page below an item (longest prefix: /enterprises/, not the ladder): the item is a link
    assert trail(NAV, "/enterprises/12/", "台山精工 &amp; 有限公司", **home) == [
        Crumb("首页", "/"),
        Crumb("企业数据"),
        Crumb("企业库", "/enterprises/"),
        Crumb("台山精工 & 有限公司"),
    ]
    # an item outside any menu; a "页面 · 栏目" title gives the page's name
    assert trail(NAV, "/targets/county/440781/", "台山市 · 目标看板", **home) == [
        Crumb("首页", "/"),
        Crumb("目标看板", "/targets/"),
        Crumb("台山市"),
    ]
    # a page the menu does not hold: home › the page
    assert trail(NAV, "/accounts/password/", "修改密码", **home) == [Crumb("首页", "/"), Crumb("修改密码")]


def crumbs_of(html: str) -> list[tuple[str, str]]:
    """(label, href or "") of each crumb of the page's one breadcrumb trail."""
    navs = re.findall(r'<nav id="portal-breadcrumb" aria-label="([^"]*)">(.*?)</nav>', html, re.S)
    assert len(navs) == 1, navs
    label, body = navs[0]
    assert label == "导航路径"  # the Chinese label (was "breadcrumb")
    items = re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', body, re.S)
    out = []
    for item in items:
        link = re.search(r'<a href="([^"]*)">(.*?)</a>', item, re.S)
        text = re.sub(r"<[^>]+>", "", link.group(2) if link else item)
        out.append((" ".join(text.split()), link.group(1) if link else ""))
    assert 'aria-current="page"' in body
    return out


@pytest.mark.django_db
def test_every_menu_page_and_detail_pages_have_one_trail(client, city_operator):
    enterprise = factories.make_enterprise("440781", name="台山面包屑精工有限公司")
    client.force_login(city_operator)
    home = client.get("/").content.decode()
    assert 'id="portal-breadcrumb"' not in home  # the home page is the root of every trail
    links = dict.fromkeys(re.findall(r'class="(?:nav-link|dropdown-item)" href="(/[^"#]*)"', home))
    links.pop("/api/v1/docs/", None)  # Swagger UI: its own page with the way back (test_api_docs.py)
    assert len(links) >= 15, links
    for url in links:
        response = client.get(url)
        assert response.status_code == 200, url
        crumbs = crumbs_of(response.content.decode())
        assert crumbs[0] == ("首页", "/"), url
        assert len(crumbs) >= 2 and crumbs[-1][1] == "", (url, crumbs)
    # worked by hand from the menu: 企业数据 › 梯度培育, and an enterprise below 企业库
    assert crumbs_of(client.get("/enterprises/ladder/").content.decode()) == [
        ("首页", "/"),
        ("企业数据", ""),
        ("梯度培育", ""),
    ]
    assert crumbs_of(client.get(f"/enterprises/{enterprise.pk}/").content.decode()) == [
        ("首页", "/"),
        ("企业数据", ""),
        ("企业库", "/enterprises/"),
        ("台山面包屑精工有限公司", ""),
    ]
    # a page with a trail of its own (search) shows that one only
    assert crumbs_of(client.get("/search/", {"q": "面包屑"}).content.decode()) == [("首页", "/"), ("查询", "")]

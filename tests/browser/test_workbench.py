"""Every page of the navigation, per role, in Chromium: HTTP 200, no serious or critical axe
violation, no English word outside the allow-list, no horizontal overflow at 390 px; the home
workbench and the header search in use; the README screenshots of the home page and the
dashboard."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from targets import services
from tests import factories
from tests.factories import PASSWORD

from .checks import DESKTOP, PHONE, axe_violations, english_words, horizontal_overflow

pytestmark = pytest.mark.django_db(transaction=True)

SKIPPED = {"/api/v1/docs/"}  # tests/browser/test_api_docs.py: Swagger UI, opened and tried
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture
def city():
    """A small city: six enterprises in three counties with titles and statistics, a goal
    snapshot, an import waiting for confirmation and a title lapsing within 90 days."""
    today = timezone.localdate()
    for county, n in (("440781", 3), ("440783", 2), ("440703", 1)):
        for i in range(n):
            enterprise = factories.make_enterprise(county, name=f"工作台测试{county}-{i}精密有限公司")
            factories.make_title(enterprise, "provincial", dt.date(2023, 3, 1))
            factories.make_statistic(enterprise, 2023, 4, output_value=Decimal(100), invention_patents=2)
            factories.make_statistic(enterprise, 2025, 4, output_value=Decimal(150 + 10 * i), invention_patents=3)
    lapsing = factories.make_enterprise("440781", name="工作台测试到期电子有限公司")
    factories.make_title(
        lapsing, "municipal", today - dt.timedelta(days=400), valid_until=today + dt.timedelta(days=20)
    )
    factories.make_statistic_import("440781")
    run = services.run_create(as_of=dt.date(2026, 6, 30))
    services.run_execute(run_id=run.pk)


@pytest.fixture
def audit_page(_browser, live_server):
    """A page in a context that lets the test inject axe-core (bypass_csp: the portal's own
    pages still run under their CSP, the injected checker is the only exception)."""
    context = _browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _login(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def _navigation(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        ".navbar-nav a[href]", "links => links.map(a => a.getAttribute('href')).filter(h => h && h !== '#')"
    )
    # The interactive API documentation (Swagger UI) has its own test (test_api_docs.py): it waits for
    # the schema, opens an operation and allows the HTTP method names on its badges.
    return [h for h in dict.fromkeys(["/", *hrefs, "/search/?q=工作台测试"]) if h not in SKIPPED]


def _check(page, url: str, problems: dict, username: str) -> None:
    started = time.monotonic()
    page.set_viewport_size(DESKTOP)
    response = page.goto(url, wait_until="load")
    found = []
    if response is None or response.status != 200:
        found.append(f"HTTP {response.status if response else '—'}")
    found += [f"axe {v}" for v in axe_violations(page)]
    words = english_words(page, frozenset({username}))
    if words:
        found.append(f"English {words}")
    overflow = horizontal_overflow(page)
    if overflow > 0:  # e.g. the navigation bar cutting off the user menu
        found.append(f"{overflow} px wider than a 1440 px screen")
    page.set_viewport_size(PHONE)
    overflow = horizontal_overflow(page)
    if overflow > 0:
        found.append(f"{overflow} px wider than a 390 px phone")
    page.set_viewport_size(DESKTOP)
    server_ms = _server_ms(page, url)
    if server_ms >= SERVER_BUDGET_MS:
        found.append(f"server time {server_ms:.0f} ms (budget {SERVER_BUDGET_MS} ms)")
    if found:
        problems[f"{username} {url}"] = found
    print(f"{username} {url}: {time.monotonic() - started:.2f} s, server {server_ms:.0f} ms")


SERVER_BUDGET_MS = 300  # issue 20: every page answers in under 300 ms server time after a warm-up


def _server_ms(page, url: str, tries: int = 3) -> float:
    """The page's server time after the warm-up (the load above): from sending the request to the
    first byte of the answer (the browser's Resource Timing; the server is on this machine). The best
    of up to ``tries`` loads, so that one load slowed by the other test worker does not count."""
    best = float("inf")
    for _ in range(tries):
        response = page.goto(url, wait_until="domcontentloaded")
        assert response is not None
        timing = response.request.timing
        best = min(best, timing["responseStart"] - timing["requestStart"])
        if best < SERVER_BUDGET_MS:
            break
    return best


# Each role walks its own whole navigation (its menu differs: a department user has no county
# pages, a viewer no to-do lists).
ROLES = ("taishan", "jrj", "viewer")


def test_every_navigation_page_per_role_and_the_workbench_in_use(audit_page, city):
    """One test (one small city, built once): the whole navigation of the city operator, a county
    official, a department user and a viewer; then the workbench and the header search in use."""
    factories.make_user("city_operator", username="city", department_code="miit")
    factories.make_user("county_official", username="taishan", county_code="440781")
    factories.make_user("viewer", username="viewer")
    factories.make_user("department_user", username="jrj", department_code="jrj")
    page = audit_page
    problems: dict[str, list[str]] = {}
    _login(page, "city")
    pages = _navigation(page)
    assert len(pages) >= 14, pages  # the whole menu was found
    for url in pages:
        _check(page, url, problems, "city")
    for username in ROLES:
        _login(page, username)
        role_pages = _navigation(page)
        assert len(role_pages) >= 5, (username, role_pages)
        for url in role_pages:
            _check(page, url, problems, username)
    assert problems == {}

    # the workbench in use (city operator)
    _login(page, "city")
    page.set_viewport_size(DESKTOP)
    todos = page.locator("#workbench-todos")
    expect(todos.get_by_text("待确认的统计数据导入")).to_have_count(1)
    # the reserve-pool to-dos, loaded once the page is shown, took the placeholder's place
    expect(page.locator("[data-deferred-todos]")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
    todos.get_by_text("90天内到期的认定").click()
    page.wait_for_url("**/enterprises/dynamics/?window=90")
    assert page.get_by_text("工作台测试到期电子有限公司").count() >= 1
    # the current menu item is marked, and the page has its breadcrumb
    assert page.locator(".navbar-nav a.dropdown-item.active[aria-current=page]").inner_text().strip() == "到期与复核"
    assert page.locator("#portal-breadcrumb .breadcrumb-item").first.inner_text() == "首页"
    page.fill("#portal-search-q", "到期电子")
    page.press("#portal-search-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    page.get_by_role("link", name="工作台测试到期电子有限公司").click()
    page.wait_for_url("**/enterprises/*/")
    page.goto("/targets/")
    page.wait_for_selector("#county-map canvas", state="attached")
    # the map's legend names the five statuses with the colours the map uses
    assert [t.strip() for t in page.locator("#map-legend li").all_inner_texts()] == [
        "已达成",
        "进度正常",
        "进度滞后",
        "存在风险",
        "暂无数据",
    ]
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=False)
    # on a phone the enterprise list shows its results first, the filters behind one button
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)
    page.goto("/enterprises/")
    assert not page.locator("#enterprise-filters").is_visible()
    page.get_by_role("button", name="筛选条件").click()
    page.wait_for_selector("#enterprise-filters", state="visible")
    page.set_viewport_size(DESKTOP)
    page.goto("/targets/")
    # printed: the content only (A4), no navigation bar, no buttons
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible() and not page.locator("#recompute-button").is_visible()
    assert page.locator("#indicator-table").is_visible()

"""The goals dashboard in a real browser: the indicators are listed, the ECharts county map
renders, a county official lands on her county, and "recompute now" runs to completion."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from targets import services
from targets.models import Indicator
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager():
    from jiangmen_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def figures():
    for county, n in (("440781", 3), ("440783", 2), ("440703", 1)):
        for i in range(n):
            enterprise = factories.make_enterprise(county, name=f"看板测试{county}-{i}")
            factories.make_title(enterprise, "provincial", dt.date(2023, 3, 1))
            factories.make_statistic(enterprise, 2023, 4, output_value=Decimal(100), invention_patents=2)
            factories.make_statistic(enterprise, 2025, 4, output_value=Decimal(150 + 10 * i), invention_patents=3)
    run = services.run_create(as_of=dt.date(2026, 6, 30))
    services.run_execute(run_id=run.pk)


def test_city_dashboard_lists_indicators_and_renders_the_map(page, login, city_operator, figures):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "favicon.ico" not in message.location.get("url", "")
            and errors.append(message.text)
        ),
    )
    login("city")
    page.goto("/targets/")
    table = page.locator("#indicator-table")
    for indicator in Indicator.objects.filter(is_active=True):
        expect(table.get_by_text(indicator.name, exact=True)).to_have_count(1)
    # ECharts draws the county map into a canvas (or svg) inside the container.
    page.wait_for_selector("#county-map canvas, #county-map svg", state="attached")
    box = page.locator("#county-map canvas").first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    expect(page.locator("#comparison-table tbody tr")).to_have_count(7)
    # switching the compared indicator reloads the comparison and the map
    page.select_option("#compare-indicator", "cohort-output")
    page.wait_for_url("**indicator=cohort-output**")
    page.wait_for_selector("#county-map canvas", state="attached")
    page.screenshot(path="/tmp/targets-dashboard.png", full_page=True)
    assert errors == []  # no JavaScript error, no CSP violation


def test_county_official_lands_on_her_county(page, login, taishan_official, figures):
    login("taishan")
    page.goto("/targets/")
    page.wait_for_url("**/targets/county/440781/")
    assert "台山市" in page.locator("h1").inner_text()
    response = page.goto("/targets/county/440783/")
    assert response.status == 404


def test_recompute_now_shows_progress_to_completion(page, login, city_operator, figures, eager):
    login("city")
    page.goto("/targets/")
    page.click("#recompute-button")
    page.wait_for_url("**/targets/runs/*/")
    page.wait_for_selector("#run-done:not(.d-none)")
    assert page.locator("#run-percent").inner_text() == "100%"


def test_allocation_page_sums_the_counties_against_the_city_and_warns(page, login, city_operator, figures):
    login("city")
    page.goto("/targets/indicators/provincial-srdi-valid/allocation/")
    # The figures hold 6 provincial firms on 2023-12-31 (T 3, K 2, 蓬江 1) against the declared 713.
    assert "各县（市、区）基数合计为6，而全市基数为713。" in page.locator(".allocation-warning").all_inner_texts()
    expect(page.locator("#allocation-table tbody tr")).to_have_count(7)


def test_phone_shows_the_indicator_table_and_the_enterprise_list_as_cards(page, login, city_operator, figures):
    """At 390 px each indicator is a card as wide as the screen with its status on screen (it was
    squeezed to two characters, the status off screen); the enterprise list's filters are folded
    and each enterprise is a card whose cells carry their column's name."""
    from tests.browser.checks import PHONE, horizontal_overflow

    page.set_viewport_size(PHONE)
    login("city")
    page.goto("/targets/")
    row = page.locator("#indicator-table tbody tr").first
    name = row.locator("td.card-head").bounding_box()
    assert name and name["width"] > 300
    status = row.locator("td").nth(6)
    assert status.get_attribute("data-label") == "状态"
    badge = status.locator(".badge").bounding_box()
    assert badge and badge["x"] >= 0 and badge["x"] + badge["width"] <= PHONE["width"]
    assert horizontal_overflow(page) == 0

    page.goto("/enterprises/")
    expect(page.locator("#enterprise-filters")).to_be_hidden()  # folded behind the "筛选" button
    card = page.locator("#enterprise-table tbody tr").first
    head = card.locator("td.card-head").bounding_box()
    assert head and head["width"] > 300
    label = page.evaluate(
        "getComputedStyle(document.querySelector('#enterprise-table td[data-label]'), '::before').content"
    )
    assert label == '"统一社会信用代码"'
    assert horizontal_overflow(page) == 0
    page.click("button[aria-controls=enterprise-filters]")
    expect(page.locator("#enterprise-filters")).to_be_visible()

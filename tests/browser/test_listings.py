"""The 市金融局 (finance department) user keeps the listing reserve list in a real browser: adds an
enterprise of another county, records 辅导备案 and an action; the funnel and the listings goal page
show it. Each page: HTTP 200 and no English word left in the main content."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role
from enterprises.listings.models import ListingAction, ListingReserveEntry
from enterprises.models import ListingRecord
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = {"API"}


def assert_chinese(page):
    words = set(re.findall(r"[A-Za-z]{3,}", page.inner_text("main"))) - ALLOWED
    assert not words, f"English left on {page.url}: {sorted(words)}"


def test_finance_department_keeps_the_listing_reserve_list(page, login):
    today = timezone.localdate()
    factories.make_user(Role.DEPARTMENT_USER, department_code="jrj", username="jrj")
    enterprise = factories.make_enterprise("440783", name="开平上市培育测试有限公司")
    factories.make_title(enterprise, "municipal", today.replace(year=today.year - 1))

    login("jrj")
    page.click("nav .dropdown-toggle:has-text('动态管理')")
    page.click("nav a[href='/enterprises/listings/']")
    page.wait_for_url("**/enterprises/listings/")
    assert_chinese(page)
    page.click("#add-listing-entry")
    assert_chinese(page)
    page.select_option("select[name=enterprise]", str(enterprise.pk))
    page.select_option("select[name=target_venue]", "bse")
    page.fill("input[name=target_year]", str(today.year + 1))
    page.fill("input[name=sponsor]", "某某证券股份有限公司")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".invalid-feedback, .alert-danger").count() == 0, page.inner_text("main")
    page.wait_for_url(re.compile(r".*/enterprises/listings/\d+/$"))
    entry = ListingReserveEntry.objects.get(enterprise=enterprise)
    assert_chinese(page)
    assert "北京证券交易所上市入库条件" in page.inner_text("main")  # the venue's entry conditions, unverified

    page.click("#record-step")
    page.select_option("select[name=stage]", "tutoring")
    page.select_option("select[name=venue]", "bse")
    page.fill("input[name=date]", today.isoformat())
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/enterprises/listings/{entry.pk}/")
    assert page.locator("[data-figure=stage]").inner_text().startswith("辅导备案")
    assert page.locator("[data-figure=days]").inner_text() == "0"

    page.click("#record-action")
    page.select_option("select[name=kind]", "tutoring")
    page.fill("input[name=description]", "上市辅导培训")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/enterprises/listings/{entry.pk}/")
    assert "上市辅导培训" in page.locator("#listing-actions").inner_text()
    assert ListingRecord.objects.filter(enterprise=enterprise, stage="tutoring").count() == 1
    assert ListingAction.objects.filter(entry=entry).count() == 1

    # The funnel counts it at 辅导备案; the goal page shows the pipeline beside the goal.
    page.goto("/enterprises/listings/")
    funnel = page.locator("#listing-funnel").inner_text()
    assert "辅导备案\t1" in funnel or re.search(r"辅导备案\s+1", funnel)
    assert "开平上市培育测试有限公司" in page.locator("#pipeline-table").inner_text()
    response = page.goto("/targets/indicators/listings/")
    assert response.status == 200
    assert re.search(r"辅导备案\s*1", page.locator("#pipeline-stages").inner_text())
    expect(page.locator("#listing-projection")).to_have_count(1)
    assert_chinese(page)

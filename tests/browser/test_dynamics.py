"""A county official works the review calendar and the reserve pool in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enterprises.models import ReserveEntry, ReserveStatus, Title
from tests import factories
from tests.enterprises.test_dynamics_views import expiring_title, strong_candidate

pytestmark = pytest.mark.django_db(transaction=True)


def test_calendar_review_and_reserve_pool(page, login, taishan_official, taishan_enterprise, kaiping_enterprise):
    today = timezone.localdate()
    title = expiring_title(taishan_enterprise, days=30)
    other = expiring_title(kaiping_enterprise, days=30)
    candidate = strong_candidate(name="台山后备测试有限公司")
    lapsed = factories.make_title(
        factories.make_enterprise("440781", name="台山过期测试有限公司"),
        "innovative",
        today - dt.timedelta(days=1200),
        valid_until=today - dt.timedelta(days=5),
    )

    login("taishan")
    page.click("nav .dropdown-toggle:has-text('动态管理')")
    page.click("nav a[href='/enterprises/dynamics/']")
    page.wait_for_url("**/enterprises/dynamics/")
    expect(page.locator(f"#expiring tr[data-title='{title.pk}']")).to_have_count(1)
    assert kaiping_enterprise.name not in page.content()
    assert "台山过期测试有限公司" in page.locator("#lost").inner_text()
    page.click(f"a[href='?window=180&date={today.isoformat()}']")
    page.wait_for_url("**window=180**")
    expect(page.locator(f"#expiring tr[data-title='{title.pk}']")).to_have_count(1)

    # Record a passed review: valid three more years.
    page.click(f"#expiring tr[data-title='{title.pk}'] a[href$='/review/']")
    page.select_option("select[name=outcome]", "passed")
    page.fill("input[name=decided_on]", today.isoformat())
    page.fill("input[name=document_no]", "粤工信复核〔2026〕1号")
    page.click("main button[type=submit]")
    page.wait_for_url("**/enterprises/dynamics/")
    assert "粤工信复核〔2026〕1号" in page.locator("#outcomes").inner_text()
    title.refresh_from_db()
    assert title.valid_until.year == (today + dt.timedelta(days=30)).year + 3

    # Another county's title: not found.
    response = page.goto(f"/enterprises/dynamics/titles/{other.pk}/review/")
    assert response.status == 404

    # Reserve pool: the candidate with its pre-check, recommended, then tracked to application.
    page.goto("/enterprises/")
    page.click("nav .dropdown-toggle:has-text('动态管理')")
    page.click("nav a[href='/enterprises/dynamics/reserve/']")
    page.wait_for_url("**/enterprises/dynamics/reserve/")
    row = page.locator(f"#pool-table tr[data-enterprise='{candidate.pk}']")
    expect(row).to_have_count(1)
    expect(row.locator("[data-status=eligible]")).to_have_count(1)
    row.locator("a[href*='/precheck/']").click()
    expect(page.locator("#precheck-result [data-status=eligible]")).to_have_count(1)
    expect(page.locator("tr[data-criterion=ladder] [data-status=met]")).to_have_count(1)
    page.go_back()
    page.locator(f"#pool-table tr[data-enterprise='{candidate.pk}'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    entry = ReserveEntry.objects.get(enterprise=candidate)
    assert entry.status == ReserveStatus.RECOMMENDED
    page.click("a[href='/enterprises/dynamics/reserve/entries/']")
    page.click(f"tr[data-entry='{entry.pk}'] a[href$='/advance/']")
    page.select_option("select[name=status]", "applied")
    page.click("main button[type=submit]")
    page.wait_for_url("**/reserve/entries/**")
    entry.refresh_from_db()
    assert entry.status == ReserveStatus.APPLIED and entry.applied_on == today
    assert Title.objects.filter(pk=lapsed.pk).exists()

    # Criteria page lists the sets in force (and to come); the ended generation on request.
    page.click("a[href='/enterprises/dynamics/criteria/']")
    page.wait_for_url("**/enterprises/dynamics/criteria/")
    expect(page.locator("#set-provincial-2022")).to_have_count(0)
    expect(page.locator("#set-provincial-2026")).to_have_count(1)
    page.click("#show-ended-sets")
    expect(page.locator("#set-provincial-2022")).to_have_count(1)
    expect(page.locator("#set-provincial-2026")).to_have_count(1)


def test_reserve_pool_from_precomputed_verdicts(page, login, taishan_official):
    """Today's pool read from the stored verdicts: says when they were computed, shows her county's
    candidates only, and "not yet recommended" drops the one she recommends."""
    from enterprises.dynamics import services

    candidate = strong_candidate(name="台山预计算测试有限公司")
    other = strong_candidate("440783", name="开平预计算测试有限公司")
    services.reserve_verdicts_refresh()

    login("taishan")
    page.goto("/enterprises/dynamics/reserve/?tier=provincial")
    expect(page.locator("#pool-computed-at")).to_contain_text("预审结果计算于")
    expect(page.locator(f"#pool-table tr[data-enterprise='{candidate.pk}']")).to_have_count(1)
    expect(page.locator(f"#pool-table tr[data-enterprise='{other.pk}']")).to_have_count(0)
    expect(page.locator("[data-count=eligible]")).to_have_text("1")
    page.locator(f"#pool-table tr[data-enterprise='{candidate.pk}'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert ReserveEntry.objects.filter(enterprise=candidate).exists()
    page.check("#pool-open")
    page.wait_for_url("**open=1**")
    expect(page.locator(f"#pool-table tr[data-enterprise='{candidate.pk}']")).to_have_count(0)
    expect(page.locator("[data-count=eligible]")).to_have_text("0")

"""A county official edits her enterprise in a real browser and cannot open another county's."""

import pytest
from playwright.sync_api import expect

from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db(transaction=True)


def test_county_official_edits_enterprise_and_other_county_is_not_found(
    page, login, taishan_official, taishan_enterprise, kaiping_enterprise
):
    login("taishan")
    page.goto("/enterprises/")
    assert taishan_enterprise.name in page.content()
    assert kaiping_enterprise.name not in page.content()
    page.click(f"text={taishan_enterprise.name}")
    page.click("a[href$='/edit/']")
    page.fill("input[name=niche_market]", "精密轴承保持架")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/enterprises/{taishan_enterprise.pk}/")
    assert "精密轴承保持架" in page.content()
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).niche_market == "精密轴承保持架"

    response = page.goto(f"/enterprises/{kaiping_enterprise.pk}/")
    assert response.status == 404
    assert kaiping_enterprise.name not in page.content()


def test_deregistering_asks_for_the_date_and_the_detail_shows_the_history(
    page, login, taishan_official, taishan_enterprise
):
    login("taishan")
    page.goto(f"/enterprises/{taishan_enterprise.pk}/edit/")
    page.select_option("select[name=status]", "deregistered")
    page.click("main button[type=submit]")
    # the form comes back with the question; wait for it rather than read a page still loading
    expect(page.locator("main")).to_contain_text("状态已变更：请填写变更生效日期。")
    page.fill("input[name=status_effective_on]", "2025-05-20")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/enterprises/{taishan_enterprise.pk}/")
    assert "2025-05-20 已注销" in page.locator("#status-history").inner_text()
    assert (
        Enterprise.objects.get(pk=taishan_enterprise.pk).status_changes.get().effective_on.isoformat() == "2025-05-20"
    )


def test_moving_to_another_county_asks_for_the_date_and_the_detail_shows_the_history(
    page, login, city_operator, taishan_enterprise
):
    login("city")
    page.goto(f"/enterprises/{taishan_enterprise.pk}/edit/")
    page.select_option("select[name=county]", label="开平市")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("所属县（市、区）有变更：请填写迁移生效日期。")
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).county.code == "440781"
    page.fill("input[name=county_effective_on]", "2025-07-01")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/enterprises/{taishan_enterprise.pk}/")
    assert "2025-07-01 由台山市迁至开平市" in page.locator("#county-history").inner_text()
    move = Enterprise.objects.get(pk=taishan_enterprise.pk).county_changes.get()
    assert (move.to_county.code, move.effective_on.isoformat()) == ("440783", "2025-07-01")

"""A commissioner records a visit that raises a request; the department accepts, replies and closes it;
the commissioner records the enterprise's satisfaction; the figures page shows it. Every page of the
flow is in Chinese (no English word left in its visible text)."""

import re

import pytest

from accounts.choices import Role
from support.models import EnterpriseRequest
from support.services import assign_commissioner
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def no_english(page):
    words = set(ENGLISH_WORD.findall(page.inner_text("body"))) - {"API"}
    assert not words, (page.url, sorted(words))


def test_visit_request_department_handles_commissioner_rates(page, login):
    official = factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781", username="taishan", full_name="台山专员")
    factories.make_user(Role.DEPARTMENT_USER, department_code="jrj", username="jrj", full_name="金融局经办")
    enterprise = factories.make_enterprise("440781", name="台山走访测试有限公司")
    assign_commissioner(actor=official, enterprise=enterprise, commissioner=official)

    login("taishan")
    page.goto("/support/mine/")
    no_english(page)
    page.click("#my-enterprises a.btn-outline-primary")
    page.wait_for_url(f"**/support/enterprises/{enterprise.pk}/visit/")
    no_english(page)
    page.fill("textarea[name=orders]", "订单饱满，排产至明年二季度")
    page.fill("input[name=next_visit_on]", "2099-01-05")
    page.select_option("select[name=req-0-category]", label="融资")
    page.fill("textarea[name=req-0-description]", "扩产需要流动资金贷款500万元")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(f"**/enterprises/{enterprise.pk}/")
    assert "台山专员" in page.inner_text("#support-panel")
    request = EnterpriseRequest.objects.get()
    assert request.department.code == "jrj"

    page.context.clear_cookies()
    login("jrj")
    page.goto("/support/")
    no_english(page)
    page.click(f"#request-table a[href='/support/requests/{request.pk}/']")
    no_english(page)
    for step, text in [("accept", ""), ("reply", "已对接三家银行，授信审批中"), ("close", "")]:
        if text:
            page.fill("#step-form textarea[name=text]", text)
        page.click(f"#step-{step}")
        page.wait_for_load_state("networkidle")
    assert "已办结" in page.inner_text("#request-status")

    page.context.clear_cookies()
    login("taishan")
    page.goto(f"/support/requests/{request.pk}/")
    page.select_option("select[name=satisfaction]", "satisfied")
    page.click("#step-rate")
    page.wait_for_load_state("networkidle")
    assert "满意" in page.inner_text("#request-satisfaction")
    page.goto("/support/figures/")
    no_english(page)
    assert page.inner_text("#fig-satisfaction").strip() == "100.0%"  # 1 rated, 1 满意
    assert page.inner_text("#fig-open").strip() == "0"

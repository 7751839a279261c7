"""A department user enters a policy and pushes it; the county official (no commissioner yet) marks
notified and applied; the department records the grant; the enterprise page shows it."""

import datetime as dt
import re

import pytest

from policies.models import Policy, PolicyPush, SupportGrant
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ASCII_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def no_english(page):
    text = page.locator("main").inner_text()
    return [w for w in ASCII_WORD.findall(text) if w not in {"GB/T"}]


def test_policy_push_to_grant(page, login, department_user, taishan_official):
    today = dt.date.today()
    taishan_official.full_name = "台山市工信局李明"  # shown as the to-do's responsible person
    taishan_official.save()
    enterprise = factories.make_enterprise("440781", name="台山政策推送测试有限公司")
    factories.make_annual(enterprise, today.year - 1, revenue=6000)

    login("kjj")
    page.goto("/policies/new/")
    page.fill("input[name=title]", "专精特新企业技术改造奖补")
    page.fill("input[name=document_no]", "江科〔2026〕9号")
    page.select_option("select[name=support_type]", label="技术改造")
    page.fill("input[name=valid_from]", (today - dt.timedelta(days=10)).isoformat())
    page.click("main button[type=submit]")
    page.wait_for_url("**/policies/*/")
    policy = Policy.objects.get(title="专精特新企业技术改造奖补")
    assert policy.issuing_department.code == "kjj"

    page.click(f"a[href='/policies/{policy.pk}/conditions/new/']")
    page.select_option("select[name=kind]", "figure")
    page.select_option("select[name=figure]", "revenue")
    page.select_option("select[name=operator]", "gte")
    page.fill("input[name=threshold]", "5000")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/policies/{policy.pk}/")
    assert "≥ 5000" in page.inner_text("main")
    page.click(f"form[action='/policies/{policy.pk}/push/'] button")
    page.wait_for_load_state("networkidle")
    assert "已为符合条件的企业生成 1 条待办" in page.content()
    assert not no_english(page), no_english(page)
    push = PolicyPush.objects.get(policy=policy)
    assert push.enterprise == enterprise and push.assignee == taishan_official

    page.context.clear_cookies()
    login("taishan")
    page.goto("/policies/todos/")
    page.click(f"a[href='/policies/todos/{push.pk}/']")
    page.fill("input[name=notified-notified_on]", today.isoformat())
    page.select_option("select[name=notified-channel]", "visit")
    page.select_option("select[name=notified-intention]", "will_apply")
    page.click("button[name=save][value=notified]")
    page.wait_for_url(f"**/policies/todos/{push.pk}/")
    page.fill("input[name=applied-applied_on]", today.isoformat())
    page.click("button[name=save][value=applied]")
    page.wait_for_load_state("networkidle")
    push.refresh_from_db()
    assert (push.notified_on, push.channel, push.applied_on) == (today, "visit", today)
    assert not no_english(page), no_english(page)

    page.context.clear_cookies()
    login("kjj")
    page.goto(f"/policies/todos/{push.pk}/")
    page.fill("input[name=granted-granted_on]", today.isoformat())
    page.fill("input[name=granted-granted_amount]", "25.5")
    page.click("button[name=save][value=granted]")
    page.wait_for_load_state("networkidle")
    grant = SupportGrant.objects.get()
    assert (grant.enterprise, str(grant.amount), grant.department.code) == (enterprise, "25.50", "kjj")

    page.goto(f"/enterprises/{enterprise.pk}/")
    received = page.inner_text("#support-received")
    assert "专精特新企业技术改造奖补" in received and "25.50 万元" in received
    assert "专精特新企业技术改造奖补" in page.inner_text("#policies-panel")
    page.goto(f"/policies/{policy.pk}/")
    funnel = page.inner_text("#funnel")
    assert "25.5" in funnel
    assert not no_english(page), no_english(page)

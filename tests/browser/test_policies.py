"""A department user enters a policy and pushes it; the county official (no commissioner yet) marks
notified and applied; the department records the grant; the enterprise page shows it."""

import datetime as dt
import re

import pytest

from policies.models import Policy, PolicyPush, SupportGrant
from tests import factories

from .checks import ALLOWED_WORDS

pytestmark = pytest.mark.django_db(transaction=True)

ASCII_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def no_english(page):
    text = page.locator("main").inner_text()
    return [w for w in ASCII_WORD.findall(text) if w not in {"GB/T"} | ALLOWED_WORDS]


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


@pytest.fixture
def audit_page(_browser, live_server):
    """A page whose context lets the test inject axe-core (see tests/browser/test_workbench.py)."""
    from .checks import DESKTOP

    context = _browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_policy_files_upload_and_download(audit_page, live_server, department_user, viewer, settings, tmp_path):
    """The issuing unit's user uploads the application guide on the policy page; a viewer downloads it."""
    from accounts.models import Department
    from policies.models import PolicyAttachment, SupportType
    from tests.factories import PASSWORD

    from .checks import axe_violations, english_words

    settings.MEDIA_ROOT = tmp_path / "media"
    page = audit_page
    policy = Policy.objects.create(
        title="研发费用后补助",
        issuing_department=Department.objects.get(code="kjj"),
        support_type=SupportType.objects.get(code="fund-award"),
        valid_from=dt.date(2026, 1, 1),
    )

    def login(username):
        page.context.clear_cookies()
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")

    login("kjj")
    page.goto(f"/policies/{policy.pk}/")
    guide = tmp_path / "申报指南.pdf"
    guide.write_bytes(b"%PDF-1.4\n%guide\n")
    page.set_input_files("#policy-attachment-file", str(guide))
    page.click("#policy-attachment-form button[type=submit]")
    page.wait_for_url(f"**/policies/{policy.pk}/")
    attachment = PolicyAttachment.objects.get()
    assert "申报指南.pdf" in page.inner_text("#policy-attachments")
    assert axe_violations(page) == []
    assert english_words(page, frozenset({"kjj", "JPG"})) == []  # the file formats the form names

    login("viewer")
    page.goto(f"/policies/{policy.pk}/")
    assert page.locator("#policy-attachment-form").count() == 0
    with page.expect_download() as download:
        page.click(f"a[href='/policies/{policy.pk}/attachments/{attachment.pk}/']")
    assert download.value.suggested_filename == "申报指南.pdf"
    assert open(download.value.path(), "rb").read() == b"%PDF-1.4\n%guide\n"

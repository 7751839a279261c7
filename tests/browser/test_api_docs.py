"""The API documentation page (Swagger UI from our static files) in Chromium: HTTP 200, no serious
or critical axe violation, Chinese controls (``static/portal/js/swagger_zh.js``) and a way back to
the portal; then an operation opened and tried, and the authorisation dialog, whose controls are
Chinese too (their contents are the API's machine names and data, which stay as they are)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.factories import PASSWORD

from .checks import ALLOWED_WORDS, DESKTOP, WORD, axe_violations, english_words

pytestmark = pytest.mark.django_db(transaction=True)

# Technical terms an API user meets as they are: the HTTP methods on the operation badges, the
# protocol names, and ``id``, the path parameter of every detail path (``/api/v1/enterprises/{id}/``).
TECHNICAL = frozenset(
    {"GET", "POST", "PUT", "PATCH", "DELETE", "HTTP", "REST", "Bearer", "Basic", "OAS", "OAuth", "curl", "cURL", "id"}
)

CONTROLS = """() => Array.from(document.querySelectorAll(
  '#swagger-ui button, #swagger-ui .opblock-section-header h4, #swagger-ui .opblock-section-header label > span,'
  + ' #swagger-ui table thead, #swagger-ui .modal-ux-header h3, #swagger-ui .btn'))
  .map(e => [e.innerText, e.getAttribute('aria-label'), e.getAttribute('title')].filter(Boolean).join(' '))
  .join(' ')"""


def english_controls(page) -> list[str]:
    text = page.evaluate(CONTROLS)
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED_WORDS and w not in TECHNICAL})


def test_api_docs_page_is_in_chinese_with_a_way_back(_browser, live_server):
    factories.make_user("city_operator", username="city", department_code="miit")
    context = _browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "city")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        response = page.goto("/api/v1/docs/")
        assert response is not None and response.status == 200
        page.wait_for_selector("h3.opblock-tag", timeout=90_000)  # the schema is generated on request
        page.wait_for_load_state("networkidle")
        # the way back, and the tags under their Chinese names (x-displayName), not machine names
        back = page.locator("nav a.navbar-brand")
        assert back.inner_text() == "返回平台首页" and back.get_attribute("href") == "/"
        assert page.locator("#operations-tag-enterprises span").first.inner_text() == "企业库"
        assert page.locator(".authorize").first.inner_text().strip() == "授权"
        assert english_words(page, TECHNICAL | {"city"}) == []
        assert axe_violations(page) == []

        # an operation opened and tried: its controls are Chinese
        page.locator(".opblock-get .opblock-summary-control").first.click()
        page.locator(".try-out__btn").first.click()
        page.wait_for_selector(".execute")
        assert page.locator(".execute").first.inner_text().strip() == "执行"
        page.locator(".execute").first.click()
        page.wait_for_selector(".live-responses-table", timeout=30_000)
        assert english_controls(page) == []
        assert "服务器响应" in page.locator(".responses-wrapper").inner_text()

        # the authorisation dialog
        page.locator(".authorize").first.click()
        page.wait_for_selector(".modal-ux")
        assert page.locator(".modal-ux-header h3").inner_text().strip() == "可用的认证方式"
        assert english_controls(page) == []
    finally:
        context.close()

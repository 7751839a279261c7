"""Single sign-on in Chromium against a real OpenID provider on loopback (tests/sso/provider): the login
page's 统一身份认证登录, the provider's login page, back to the portal (a first login: the no-role
page), and the logout that ends the portal's session and the provider's."""

from __future__ import annotations

import re

import pytest

from accounts.choices import AuditAction, Role
from accounts.models import AuditLog, User
from tests.sso.conftest import _provider_ready, configure, provider_factory  # noqa: F401 - the provider fixtures

pytestmark = pytest.mark.django_db(transaction=True)

LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def test_single_sign_on_flow_and_logout_at_both_ends(page, live_server, provider_factory, settings):  # noqa: F811
    provider = provider_factory(live_server.url)
    configure(settings, provider)
    provider.add_account("zhaoliu", name="赵六")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto("/accounts/login/")
    assert not LATIN_WORD.findall(page.locator("main").inner_text())
    page.get_by_role("link", name="统一身份认证登录").click()
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.fill("input[name=login]", "zhaoliu")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # first sign-on: an account without a role, and the page that says so (in Chinese only)
    main = page.locator("main").inner_text()
    assert "安全管理员" in main and not LATIN_WORD.findall(main)
    user = User.objects.get(username="zhaoliu")
    assert user.role == Role.NO_ROLE and user.full_name == "赵六"

    # logout (the user menu's form) goes on to the provider and back to the login page
    page.locator("form[action='/accounts/logout/'] button").dispatch_event("click")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.goto("/")
    assert "/accounts/login/" in page.url  # the portal session is gone
    page.get_by_role("link", name="统一身份认证登录").click()
    page.wait_for_url(f"{provider.issuer}/interaction/**")  # and so is the provider's: it asks again
    assert page.locator("input[name=login]").is_visible()
    assert list(
        AuditLog.objects.filter(actor_username="zhaoliu", action__in=[AuditAction.LOGIN, AuditAction.LOGOUT])
        .order_by("pk")
        .values_list("action", "message")
    ) == [
        (AuditAction.LOGIN, "single sign-on (OpenID Connect)"),
        (AuditAction.LOGOUT, "single sign-on: logout here and at the provider"),
    ]

"""Single sign-on against a real OpenID provider (oidc-provider on loopback, tests/sso/conftest.py).

The portal is driven with Django's test client; the browser's part at the provider (its redirects, its
login page) with ``requests``. Each refusal must leave the person logged out and a security event with
the reason in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import time_machine
from django.utils import timezone

from accounts.choices import AuditAction, AuditCategory, Role
from accounts.models import AuditLog, User
from tests import factories
from tests.security.helpers import events, post_login

from .conftest import browse_provider, portal_path

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _reference_data_once(django_db_setup, django_db_blocker):
    """The reference data loaded once for these tests, outside their transactions (the suite's
    ``_reference_data`` otherwise loads it again inside each test's transaction: ~3 s a test)."""
    from django.core.management import call_command

    from enterprises.models import Tier

    with django_db_blocker.unblock():
        if not Tier.objects.exists():
            call_command("load_reference_data", verbosity=0)


def start(client) -> str:
    response = client.get("/sso/oidc/login/")
    assert response.status_code == 302
    return response["Location"]


def sso_login(client, login: str, provider_session=None):
    """The whole code flow; returns the portal's answer to the callback and the provider session."""
    callback, provider_session = browse_provider(start(client), login, provider_session)
    assert callback.startswith("http://testserver/sso/oidc/callback/?")
    return client.get(portal_path(callback)), provider_session


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def refusals(reason: str):
    return events(AuditAction.LOGIN_FAILED, message__contains=reason)


def test_authorization_request_uses_pkce_state_and_nonce(client, op):
    params = parse_qs(urlsplit(start(client)).query)
    assert params["response_type"] == ["code"]
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) == 43  # base64url of a SHA-256 digest: 32 bytes -> 43 characters
    assert len(params["state"][0]) == 32 and len(params["nonce"][0]) == 32
    stored = client.session["oidc_states"][params["state"][0]]
    assert stored["nonce"] == params["nonce"][0] and len(stored["code_verifier"]) == 64


def test_first_login_creates_an_account_with_no_role_that_sees_the_no_role_page(client, op):
    op.add_account("zhangsan", name="张三")
    response, provider_session = sso_login(client, "zhangsan")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="zhangsan")
    assert (user.role, user.full_name, user.county_id, user.department_id) == (Role.NO_ROLE, "张三", None, None)
    assert not user.has_usable_password() and not user.must_change_password
    home = client.get("/")
    assert home.status_code == 200
    assert "尚未授予" in home.content.decode() or "未授予" in home.content.decode()
    assert client.get("/enterprises/").status_code == 403
    # its session refresh reaches the callback (the no-role rule does not stop the provider's answer)
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    refresh = client.get("/")
    callback, _ = browse_provider(refresh["Location"], None, provider_session)
    assert client.get(portal_path(callback))["Location"] == "/"
    assert client.session["oidc_id_token_expiration"] > 0 and client.get("/").status_code == 200
    login = events(AuditAction.LOGIN, actor_username="zhangsan").get()
    assert login.category == AuditCategory.SECURITY and login.message == "single sign-on (OpenID Connect)"
    created = AuditLog.objects.get(action=AuditAction.CREATE, object_type="accounts.user", object_id=str(user.pk))
    assert created.after["role"] == Role.NO_ROLE


def test_an_existing_account_is_found_by_the_username_claim(client, op, taishan_official):
    op.add_account("taishan")
    response, _ = sso_login(client, "taishan")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == taishan_official.pk
    assert client.get("/enterprises/").status_code == 200
    assert User.objects.count() == 1


@pytest.mark.parametrize("mode", ["signature", "claims"])
def test_a_tampered_id_token_is_refused(client, op, taishan_official, mode):
    op.add_account("taishan")
    op.tamper(mode)  # 'claims': sub changed to another person, signature kept
    response, _ = sso_login(client, "taishan")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not logged_in(client)
    assert refusals("bad signature of the ID token").count() == 1
    assert not events(AuditAction.LOGIN).exists()


def test_a_replayed_state_is_refused(client, op, taishan_official):
    from django.test import Client

    op.add_account("taishan")
    callback, _ = browse_provider(start(client), "taishan")
    assert client.get(portal_path(callback)).status_code == 302
    assert logged_in(client)
    # the same answer again, in the same browser and in another one (a stolen URL)
    client.get(portal_path(callback))
    other = Client()
    assert other.get(portal_path(callback))["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in other.session
    assert refusals("bad state").count() == 2
    assert events(AuditAction.LOGIN).count() == 1


def test_a_disabled_account_is_refused(client, op, taishan_official):
    taishan_official.is_active = False
    taishan_official.save()
    op.add_account("taishan")
    response, _ = sso_login(client, "taishan")
    assert response["Location"] == "/accounts/login/"
    assert not logged_in(client)
    refusal = refusals("disabled user").get()
    assert refusal.actor_username == "taishan"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["本账号已在平台停用，请联系系统管理员。"]


def test_an_api_service_account_cannot_be_signed_into(client, op):
    factories.make_user(Role.API_CLIENT, username="erp-sync")
    op.add_account("erp-sync")
    response, _ = sso_login(client, "erp-sync")
    assert response["Location"] == "/accounts/login/" and not logged_in(client)
    assert refusals("API service account").get().actor_username == "erp-sync"


def test_an_open_session_ends_when_the_portal_account_is_disabled(client, op, taishan_official):
    op.add_account("taishan")
    sso_login(client, "taishan")
    assert client.get("/enterprises/").status_code == 200
    User.objects.filter(pk=taishan_official.pk).update(is_active=False)
    response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_person_is_refused_when_accounts_are_not_created(client, op, settings):
    settings.SSO_CREATE_USERS = False
    op.add_account("lisi")
    response, _ = sso_login(client, "lisi")
    assert response["Location"] == "/accounts/login/" and not logged_in(client)
    assert refusals("unknown user").get().actor_username == "lisi"
    assert not User.objects.filter(username="lisi").exists()


def test_an_account_disabled_at_the_provider_loses_its_session_at_the_next_refresh(client, op, taishan_official):
    op.add_account("taishan")
    _, provider_session = sso_login(client, "taishan")
    assert client.get("/enterprises/").status_code == 200
    session = client.session
    session["oidc_id_token_expiration"] = 0  # the ID token is due for renewal
    session.save()
    # still known there: a silent refresh (prompt=none), no login page, and the page opens
    refresh = client.get("/enterprises/")
    assert refresh.status_code == 302 and "prompt=none" in refresh["Location"]
    callback, _ = browse_provider(refresh["Location"], None, provider_session)
    assert client.get(portal_path(callback))["Location"] == "/enterprises/"
    assert client.get("/enterprises/").status_code == 200
    # disabled at the platform: the next refresh ends the portal session
    op.add_account("taishan", active=False)
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    refresh = client.get("/enterprises/")
    callback, _ = browse_provider(refresh["Location"], None, provider_session)
    assert "error=login_required" in callback
    assert client.get(portal_path(callback))["Location"] == "/accounts/login/"
    assert not logged_in(client)
    assert client.get("/enterprises/").status_code == 302
    logout = events(AuditAction.LOGOUT, actor_username="taishan").get()
    assert logout.message == "single sign-on: session ended at the provider"


def _confirm_provider_logout(url: str, provider_session) -> str:
    """The provider's logout page (its script sends the form at once): send it as the browser would."""
    page = provider_session.get(url, allow_redirects=False, timeout=5)
    assert page.status_code == 200
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    answer = provider_session.post(urljoin(url, action), data=fields, allow_redirects=False, timeout=5)
    assert answer.status_code in (302, 303)
    return answer.headers["Location"]


def test_logout_ends_the_portal_session_and_the_provider_session(client, op, taishan_official):
    op.add_account("taishan")
    _, provider_session = sso_login(client, "taishan")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{op.issuer}/session/end?")
    params = parse_qs(urlsplit(end_session).query)
    assert params["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert params["id_token_hint"][0].count(".") == 2
    assert not logged_in(client)
    assert _confirm_provider_logout(end_session, provider_session) == "http://testserver/accounts/login/"
    # the provider now asks for a login again (its session is gone too)
    with pytest.raises(AssertionError, match="the provider asks for a login"):
        browse_provider(start(client), None, provider_session)
    logout = events(AuditAction.LOGOUT, actor_username="taishan").get()
    assert logout.message == "single sign-on: logout here and at the provider"


def test_local_password_login_is_kept_for_the_three_administrators_only(client, op, taishan_official):
    factories.make_user(Role.SECURITY_ADMIN, username="secadmin")
    page = client.get("/accounts/login/").content.decode()
    assert "统一身份认证登录" in page and 'href="/sso/oidc/login/"' in page
    # a business user with the right password: refused, the reason in the trail
    assert post_login(client, "taishan").status_code == 200
    assert not logged_in(client)
    assert refusals("local password login refused").get().actor_username == "taishan"
    assert post_login(client, "secadmin").status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize(
    ("amr", "acr", "trusted_amr", "trusted_acr", "asks_totp"),
    [
        (["pwd"], "1", ["mfa", "otp"], [], True),  # a password at the platform: the portal's TOTP
        (["pwd", "otp"], "1", ["mfa", "otp"], [], False),  # amr proves a one-time code
        (["pwd", "otp"], "1", [], [], True),  # the provider's amr not trusted (configured off)
        (["pwd"], "2", [], ["2"], False),  # acr "2" configured as a level with a second factor
    ],
)
def test_administrators_pass_totp_unless_the_provider_proves_a_second_factor(
    client, op, settings, amr, acr, trusted_amr, trusted_acr, asks_totp
):
    settings.OTP_REQUIRED_ROLES = ["system_admin", "security_admin", "audit_admin"]
    settings.SSO_SECOND_FACTOR_AMR = trusted_amr
    settings.SSO_SECOND_FACTOR_ACR = trusted_acr
    factories.make_user(Role.SECURITY_ADMIN, username="secadmin")
    op.add_account("secadmin", amr=amr, acr=acr)
    sso_login(client, "secadmin")
    assert logged_in(client)
    response = client.get("/accounts/users/")
    if asks_totp:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/setup/")
    else:
        assert response.status_code == 200


def test_the_idle_limit_applies_to_a_single_sign_on_session(client, op, taishan_official):
    op.add_account("taishan")
    sso_login(client, "taishan")
    assert client.get("/enterprises/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert events(AuditAction.LOGOUT, actor_username="taishan").get().message == "idle timeout"


def test_an_unreachable_provider_is_a_message_not_an_error(client, op, taishan_official, settings):
    from sso import conf

    op.add_account("taishan")
    sso_login(client, "taishan")
    settings.OIDC_OP_ISSUER = "http://127.0.0.1:9"  # nothing listens there (discard port)
    conf.forget_discovery()
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    # a page due for the re-check still opens; the re-check is postponed a minute
    assert client.get("/enterprises/").status_code == 200
    assert client.session["oidc_id_token_expiration"] > 0
    # logout still ends the portal session (the provider's cannot be reached), and says so in the trail
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert not logged_in(client)
    logout = events(AuditAction.LOGOUT, actor_username="taishan").get()
    assert logout.message == "single sign-on: logout here, the provider could not be reached"
    # the SSO button answers with the login page and a message; the refusal is in the trail
    response = client.get("/sso/oidc/login/", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "统一身份认证平台暂时无法访问" in response.content.decode()
    assert refusals("discovery failed").exists()


def test_the_pages_csp_lets_the_logout_form_go_on_to_the_provider(client, op, settings):
    """CSP Level 3 applies ``form-action`` to the redirects after a form is sent (the logout's to the
    provider); Chromium does not enforce that today, so the header is checked here."""

    def form_action() -> str:
        policy = client.get("/accounts/login/")["Content-Security-Policy"]
        return dict(part.strip().split(" ", 1) for part in policy.split(";"))["form-action"]

    assert form_action() == f"'self' {op.issuer}"  # op.issuer is the origin http://127.0.0.1:<port>
    settings.SSO_MODE = ""
    assert form_action() == "'self'"

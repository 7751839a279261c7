"""One client address for the audit trail, the lockout and API throttling (``TRUSTED_PROXY_COUNT``);
lockout on the pair user name + address; a CAPTCHA after repeated failures of a user name."""

from __future__ import annotations

import re

import pytest
from django.core.checks import Error
from django.test import RequestFactory

from accounts.checks import client_address_check
from accounts.choices import AuditAction
from core.api_security import ApiClientRateThrottle
from core.middleware import client_ip

from .helpers import events, post_login, solved_captcha
from .test_frontend import INLINE_SCRIPT, STYLE_ATTR, STYLE_TAG

pytestmark = pytest.mark.django_db

WRONG = "Wrong-Passw0rd!"
PROXY = "10.0.0.1"


def via_proxy(address: str, spoofed: str | None = None) -> dict:
    """What the intranet proxy (REMOTE_ADDR) passes on: the client's own X-Forwarded-For, if any, with
    the address the proxy saw appended."""
    chain = f"{spoofed}, {address}" if spoofed else address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


class TestOneFunction:
    def test_through_one_proxy_the_address_the_proxy_saw(self, one_proxy):
        rf = RequestFactory()
        assert client_ip(rf.get("/", **via_proxy("203.0.113.9"))) == "203.0.113.9"
        # an address the client wrote into the header itself is not believed
        assert client_ip(rf.get("/", **via_proxy("203.0.113.9", spoofed="198.51.100.7"))) == "203.0.113.9"
        assert client_ip(rf.get("/", REMOTE_ADDR=PROXY)) == PROXY  # no header: the socket
        assert client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")) == PROXY

    def test_two_proxies(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        request = RequestFactory().get(
            "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9, 10.0.0.2"
        )
        assert client_ip(request) == "203.0.113.9"

    def test_without_a_proxy_the_header_is_ignored(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert client_ip(request) == "192.0.2.5"

    def test_audit_lockout_and_throttling_see_the_same_address(self, one_proxy, client, taishan_official):
        post_login(client, "taishan", WRONG, **via_proxy("203.0.113.9", spoofed="198.51.100.7"))
        failed = events(AuditAction.LOGIN_FAILED).get()
        assert failed.ip == "203.0.113.9"
        from axes.models import AccessAttempt

        assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [("taishan", "203.0.113.9")]
        request = RequestFactory().get("/api/v1/places/", **via_proxy("203.0.113.9"))
        assert ApiClientRateThrottle().get_ident(request) == "203.0.113.9"


class TestLockoutOfThePair:
    def test_five_failures_lock_the_pair_only(self, one_proxy, client, taishan_official, kaiping_official):
        office, elsewhere = via_proxy("203.0.113.9"), via_proxy("203.0.113.10")
        for _ in range(4):
            assert post_login(client, "taishan", WRONG, **office).status_code == 200
        assert post_login(client, "taishan", WRONG, **office).status_code == 429
        assert events(AuditAction.LOCKOUT).get().message == "taishan @ 203.0.113.9"
        assert post_login(client, "taishan", **office).status_code == 429  # the pair is locked
        # the same user from another address, and another user from the same address, are not
        assert post_login(client, "kaiping", **office).status_code == 302
        client.post("/accounts/logout/")
        assert post_login(client, "taishan", **elsewhere).status_code == 302

    def test_the_administrator_is_not_locked_out_by_someone_elses_guesses(self, one_proxy, client, system_admin):
        for _ in range(5):
            post_login(client, system_admin.username, WRONG, **via_proxy("198.51.100.66"))
        assert post_login(client, system_admin.username, WRONG, **via_proxy("198.51.100.66")).status_code == 429
        assert post_login(client, system_admin.username, **via_proxy("203.0.113.1")).status_code == 302


class TestCaptcha:
    def test_required_after_three_failures_of_a_user_name_from_any_address(self, one_proxy, client, taishan_official):
        for n, address in enumerate(("203.0.113.1", "203.0.113.2")):
            response = post_login(client, "taishan", WRONG, captcha=False, **via_proxy(address))
            assert "captcha" not in response.context["form"].fields, n
        # the third failure: the form now shows the CAPTCHA
        response = post_login(client, "taishan", WRONG, captcha=False, **via_proxy("203.0.113.3"))
        assert "captcha" in response.context["form"].fields
        assert events(AuditAction.LOGIN_FAILED).count() == 3
        # without the answer the password is not even tried (no failure counted, no login)
        response = post_login(client, "taishan", captcha=False, **via_proxy("203.0.113.4"))
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        assert response.context["form"].errors["captcha"]
        assert events(AuditAction.LOGIN_FAILED).count() == 3
        # a wrong answer likewise
        wrong = {**solved_captcha(), "captcha_1": "wrong"}
        response = client.post(
            "/accounts/login/", {"username": "taishan", "password": "x", **wrong}, **via_proxy("203.0.113.4")
        )
        assert "不符" in response.context["form"].errors["captcha"][0]
        assert events(AuditAction.LOGIN_FAILED).count() == 3
        # answered: the login goes through
        assert post_login(client, "taishan", **via_proxy("203.0.113.4")).status_code == 302

    def test_a_challenge_answers_once(self, client, taishan_official):
        for _ in range(3):
            post_login(client, "taishan", WRONG, captcha=False)
        answer = solved_captcha()
        data = {"username": "taishan", "password": WRONG, **answer}
        assert "captcha" not in client.post("/accounts/login/", data).context["form"].errors
        assert client.post("/accounts/login/", data).context["form"].errors["captcha"]  # replayed

    def test_the_picture_is_drawn_by_our_server_and_the_page_keeps_the_csp(self, client, taishan_official):
        for _ in range(3):
            post_login(client, "taishan", WRONG, captcha=False)
        response = post_login(client, "taishan", WRONG, captcha=False)
        html = response.content.decode()
        match = re.search(r'<img src="(/captcha/image/\w+/)"', html)
        assert match, html
        image = client.get(match.group(1))
        assert image.status_code == 200 and image["Content-Type"] == "image/png"
        assert image.content[:8] == b"\x89PNG\r\n\x1a\n" and len(image.content) > 500
        form = html[html.index("<form") : html.index("</form>")]
        assert not INLINE_SCRIPT.search(form) and not STYLE_ATTR.search(form) and not STYLE_TAG.search(form)
        assert 'name="captcha_1"' in form and 'name="captcha_0"' in form
        assert client.get("/captcha/image/nosuchkey/").status_code == 410  # gone: expired or unknown


class TestProductionCheck:
    def test_behind_the_proxy_without_a_proxy_count_is_an_error(self, settings):
        settings.DEBUG = False
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.TRUSTED_PROXY_COUNT = 0
        assert [e.id for e in client_address_check(None) if isinstance(e, Error)] == ["portal.E001"]
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_address_check(None) == []

    def test_a_replaced_setting_left_in_the_environment_is_an_error(self, settings, monkeypatch):
        settings.TRUSTED_PROXY_COUNT = 1
        monkeypatch.setenv("AXES_IPWARE_PROXY_COUNT", "1")
        assert [e.id for e in client_address_check(None)] == ["portal.E003"]

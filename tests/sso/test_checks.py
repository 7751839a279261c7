"""The single sign-on configuration is refused at start when it is incomplete or unsafe."""

from __future__ import annotations

from sso.checks import sso_configuration_check


def ids(settings) -> list[str]:
    return [error.id for error in sso_configuration_check(None)]


def complete(settings) -> None:
    settings.SSO_MODE = "oidc"
    settings.OIDC_OP_ISSUER = "https://iam.gd.gov.cn/oidc"
    settings.OIDC_RP_CLIENT_ID = "jiangmen-portal"
    settings.OIDC_RP_CLIENT_SECRET = "secret"


def test_off_by_default_and_complete_configuration_passes(settings):
    assert ids(settings) == []
    complete(settings)
    assert ids(settings) == []


def test_cas_or_unknown_mode_is_refused(settings):
    settings.SSO_MODE = "cas"
    assert ids(settings) == ["portal.E101"]


def test_missing_client_settings_are_named(settings):
    complete(settings)
    settings.OIDC_RP_CLIENT_SECRET = ""
    settings.OIDC_OP_ISSUER = ""
    assert sorted(ids(settings)) == ["portal.E102", "portal.E102"]


def test_production_needs_verified_https(settings):
    complete(settings)
    settings.TESTING = False
    settings.DEBUG = False
    assert ids(settings) == []
    settings.OIDC_OP_ISSUER = "http://iam.gd.gov.cn/oidc"
    assert ids(settings) == ["portal.E103"]
    settings.OIDC_OP_ISSUER = "https://iam.gd.gov.cn/oidc"
    settings.OIDC_VERIFY_SSL = False
    assert ids(settings) == ["portal.E103"]


def test_local_login_roles_must_be_roles(settings):
    settings.SSO_LOCAL_LOGIN_ROLES = ["system_admin", "superuser"]
    assert ids(settings) == ["portal.E104"]

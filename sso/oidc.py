"""OpenID Connect login (mozilla-django-oidc, authorization code flow with PKCE, state and nonce).

The library's backend exchanges the code and checks the ID token's signature against the provider's
keys (JWKS) and the nonce; this subclass adds what the library leaves out (issuer, audience, authorised
party, expiry and issue time), reads the provider's endpoints from discovery, names the account by
``SSO_USERNAME_CLAIM`` and creates an unknown person's account with NO role. Each refusal raises
``SSOFailure`` with the reason the audit trail records.
"""

from __future__ import annotations

import time

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from requests.exceptions import RequestException

from accounts.choices import Role
from accounts.models import User

from . import conf
from .services import user_create_at_first_sign_on

CLOCK_SKEW_SECONDS = 120


class SSOFailure(Exception):
    """A refused single sign-on; ``reason`` goes to the audit trail, ``username`` is the claimed name."""

    def __init__(self, reason: str, username: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.username = username


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """Authentication backend of a single sign-on session (also what the session records as its
    backend, so ``get_user`` loads the user at each request, refusing a disabled account)."""

    def __init__(self, *args, **kwargs):
        # Not the library's __init__: it reads the endpoints (discovery, a request to the provider) and
        # Django builds the backend at every request of a single sign-on session to load its user.
        self.UserModel = User

    @staticmethod
    def get_settings(attr, *args):
        return conf.setting(attr, *args)

    # the library's attributes, read when used (the endpoints from discovery, cached)
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_USER_ENDPOINT", ""))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: self.get_settings("OIDC_RP_CLIENT_ID"))
    OIDC_RP_CLIENT_SECRET = property(lambda self: self.get_settings("OIDC_RP_CLIENT_SECRET"))
    OIDC_RP_SIGN_ALGO = property(lambda self: self.get_settings("OIDC_RP_SIGN_ALGO"))
    OIDC_RP_IDP_SIGN_KEY = None  # the provider's keys come from its JWKS

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    # --- the ID token ---------------------------------------------------------------------------
    def verify_token(self, token, **kwargs):
        try:
            payload = super().verify_token(token, **kwargs)
        except SuspiciousOperation as exc:
            raise SSOFailure(f"bad ID token: {exc}") from exc
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            # e.g. an expired token, a malformed one, an unknown key
            raise SSOFailure(f"bad ID token: {type(exc).__name__}: {exc}") from exc
        if kwargs.get("nonce") is not None:  # the ID token (not a signed user-info answer)
            self.check_claims(payload)
        return payload

    def _verify_jws(self, payload, key):
        try:
            return super()._verify_jws(payload, key)
        except SuspiciousOperation as exc:
            if "verification failed" in str(exc):
                raise SSOFailure("bad signature of the ID token") from exc
            raise

    def check_claims(self, payload: dict) -> None:
        """OpenID Connect Core 1.0, 3.1.3.7: issuer, audience, authorised party, expiry, issue time."""
        client_id = self.get_settings("OIDC_RP_CLIENT_ID")
        now = time.time()
        if str(payload.get("iss", "")).rstrip("/") != settings.OIDC_OP_ISSUER:
            raise SSOFailure("bad ID token: wrong issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id not in audiences:
            raise SSOFailure("bad ID token: not issued to this portal (aud)")
        if len(audiences) > 1 and payload.get("azp") != client_id:
            raise SSOFailure("bad ID token: wrong authorised party (azp)")
        if not isinstance(payload.get("exp"), int | float) or payload["exp"] < now - CLOCK_SKEW_SECONDS:
            raise SSOFailure("bad ID token: expired")
        if not isinstance(payload.get("iat"), int | float) or payload["iat"] > now + CLOCK_SKEW_SECONDS:
            raise SSOFailure("bad ID token: issued in the future")
        if not payload.get("sub"):
            raise SSOFailure("bad ID token: no subject")

    # --- the person -----------------------------------------------------------------------------
    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the user-info endpoint when the provider has one (its
        ``sub`` must be the ID token's: OpenID Connect Core 1.0, 5.3.2)."""
        claims = dict(payload)
        if self.get_settings("OIDC_OP_USER_ENDPOINT", ""):
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload.get("sub"):
                raise SSOFailure("user info names another subject than the ID token")
            claims.update({key: value for key, value in info.items() if key not in payload})
        self.claims = claims
        return claims

    def claimed_username(self, claims: dict) -> str:
        value = claims.get(settings.SSO_USERNAME_CLAIM)
        return str(value).strip()[:150] if value else ""

    def verify_claims(self, claims):
        if not self.claimed_username(claims):
            raise SSOFailure(f"no {settings.SSO_USERNAME_CLAIM} claim")
        return True

    def filter_users_by_claims(self, claims):
        return User.objects.filter(username=self.claimed_username(claims))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        self.verify_claims(claims)
        username = self.claimed_username(claims)
        user = User.objects.filter(username=username).first()
        if user is None:
            if not settings.SSO_CREATE_USERS:
                raise SSOFailure("unknown user", username)
            return self.create_user(claims)
        if not user.is_active:
            raise SSOFailure("disabled user", username)
        if user.role == Role.API_CLIENT:
            # a system account of the API (its key is its only credential), never a person's login
            raise SSOFailure("API service account", username)
        return user

    def create_user(self, claims):
        """The first single sign-on of a person: an account with NO role (``sso.services``)."""
        full_name = str(claims.get(settings.SSO_FULL_NAME_CLAIM) or "")
        return user_create_at_first_sign_on(username=self.claimed_username(claims), full_name=full_name)

    def authenticate(self, request, **kwargs):
        """Only the SSO callback authenticates here (with a nonce); a password login never does."""
        if request is None or "nonce" not in kwargs:
            return None
        self.claims = {}
        try:
            return super().authenticate(request, **kwargs)
        except RequestException as exc:
            response = getattr(exc, "response", None)
            if response is not None and 400 <= response.status_code < 500:
                # the token endpoint refused the code (used before, expired, wrong PKCE verifier)
                raise SSOFailure(f"provider refused the code: HTTP {response.status_code}") from exc
            raise conf.ProviderUnavailable(f"provider unreachable: {type(exc).__name__}") from exc

"""The single sign-on pages: start the login at the provider, and its callback.

Every outcome is a security event in the audit trail: a login (through ``user_logged_in``, with the
message "single sign-on"), each refusal with its reason (bad state, bad signature or claims of the ID
token, unknown user, disabled user, the provider's own refusal), and a session the provider no longer
vouches for (logout, at a silent refresh).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import auth, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from accounts import audit
from accounts.choices import AuditAction
from accounts.middleware import AccountPolicyMiddleware

from . import conf
from .oidc import PortalOIDCBackend, SSOFailure

BACKEND_PATH = "sso.oidc.PortalOIDCBackend"
UNAVAILABLE = gettext_lazy(
    "The unified identity platform cannot be reached now. Please try again later; administrators may log in "
    "with their password."
)
SSO_SESSION_KEY = "portal_sso"  # {"sub", "sid", "amr", "acr"} of the provider login


def second_factor_at_provider(claims: dict) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(settings.SSO_SECOND_FACTOR_AMR):
        return True
    return bool(claims.get("acr")) and str(claims.get("acr")) in settings.SSO_SECOND_FACTOR_ACR


class SSOLoginView(OIDCAuthenticationRequestView):
    """统一身份认证登录: to the provider's authorization endpoint (code flow, PKCE S256, state, nonce)."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # not the library's: it would ask the provider before dispatch

    OIDC_OP_AUTH_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: self.get_settings("OIDC_RP_CLIENT_ID"))

    @staticmethod
    def get_settings(attr, *args):
        return conf.setting(attr, *args)

    def dispatch(self, request, *args, **kwargs):
        if not conf.oidc_enabled():
            raise Http404
        try:
            return super().dispatch(request, *args, **kwargs)
        except conf.ProviderUnavailable as exc:
            audit.security_event(None, AuditAction.LOGIN_FAILED, f"single sign-on refused: {exc}", username="?")
            return _to_login(request, UNAVAILABLE)


def _to_login(request, message) -> HttpResponseRedirect:
    messages.error(request, message)
    return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


class SSOCallbackView(View):
    """The provider sends the browser back here with ``code`` and ``state`` (or ``error``)."""

    http_method_names = ["get"]

    def get(self, request):
        if not conf.oidc_enabled():
            raise Http404
        states = request.session.get("oidc_states")
        state = request.GET.get("state", "")
        entry = states.pop(state, None) if isinstance(states, dict) and state else None
        if entry is not None:
            # used once, whatever follows: a replayed state finds nothing
            request.session.modified = True
            request.session.save()
        refreshing = request.user.is_authenticated
        if request.GET.get("error"):
            reason = f"provider refused: {request.GET.get('error')}"[:200]
            if refreshing:
                # the silent refresh (prompt=none) failed: the provider no longer vouches for this session
                audit.security_event(request.user, AuditAction.LOGIN_FAILED, f"single sign-on: {reason}")
                request.portal_logout_reason = "single sign-on: session ended at the provider"
                auth.logout(request)
                return _to_login(
                    request, _("Your session at the unified identity platform has ended. Please log in again.")
                )
            return self._refuse(request, reason, "")
        if entry is None:
            return self._refuse(request, "bad state (unknown, used before or expired)", "")
        if not request.GET.get("code"):
            return self._refuse(request, "no authorization code", "")
        try:
            backend = PortalOIDCBackend()
            user = backend.authenticate(request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier"))
        except conf.ProviderUnavailable as exc:
            if refreshing:
                # the provider cannot vouch for the session now: keep it, ask again in a minute (as the
                # middleware does when it cannot reach the provider)
                request.session["oidc_id_token_expiration"] = time.time() + conf.PROVIDER_RETRY_SECONDS
                return HttpResponseRedirect(self._next(request))
            return self._refuse(request, str(exc), "", UNAVAILABLE)
        except SSOFailure as failure:
            if refreshing:
                request.portal_logout_reason = f"single sign-on: {failure.reason}"[:200]
                auth.logout(request)
            return self._refuse(request, failure.reason, failure.username)
        if user is None:
            return self._refuse(request, "no identity from the provider", "")
        id_token = request.session.get("oidc_id_token")
        claims = getattr(backend, "claims", {}) or {}
        if refreshing and request.user.pk == user.pk:
            request.session["oidc_id_token_expiration"] = time.time() + settings.OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS
            self._remember(request, claims)
            return HttpResponseRedirect(self._next(request))
        if refreshing:
            request.portal_logout_reason = "single sign-on: another person signed in"
            auth.logout(request)
        request.portal_login_reason = "single sign-on (OpenID Connect)"
        auth.login(request, user, backend=BACKEND_PATH)
        if id_token:
            request.session["oidc_id_token"] = id_token
        request.session["oidc_id_token_expiration"] = time.time() + settings.OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS
        self._remember(request, claims)
        return HttpResponseRedirect(self._next(request))

    def _remember(self, request, claims: dict) -> None:
        request.session[SSO_SESSION_KEY] = {
            "sub": claims.get("sub", ""),
            "sid": claims.get("sid", ""),
            "amr": claims.get("amr") or [],
            "acr": claims.get("acr") or "",
        }
        # The second factor of OTP_REQUIRED_ROLES: proved by the provider (amr/acr), or the portal's TOTP.
        request.session[AccountPolicyMiddleware.PROVIDER_OTP_SESSION_KEY] = second_factor_at_provider(claims)

    def _next(self, request) -> str:
        return request.session.pop("oidc_login_next", None) or resolve_url(settings.LOGIN_REDIRECT_URL)

    def _refuse(self, request, reason: str, username: str, message=None) -> HttpResponseRedirect:
        audit.security_event(
            None, AuditAction.LOGIN_FAILED, f"single sign-on refused: {reason}"[:500], username=username or "?"
        )
        if message is None:
            messages_by_reason = {
                "disabled user": _("This account is disabled in the portal. Ask the system administrator."),
                "unknown user": _("There is no portal account for you yet. Ask the system administrator."),
            }
            message = messages_by_reason.get(reason, _("Single sign-on failed. Please try again."))
        return _to_login(request, message)

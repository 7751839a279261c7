"""Single sign-on sessions: silent refresh at the provider, and the logout that ends both sessions."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.crypto import get_random_string
from mozilla_django_oidc.utils import add_state_and_verifier_and_nonce_to_session, generate_code_challenge

from . import conf

logger = logging.getLogger(__name__)
_EXEMPT_PREFIXES = ("/static/", "/media/", "/health/", "/api/", "/sso/")


def is_sso_session(request) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) == "sso.oidc.PortalOIDCBackend"


def silent_authorization_url(request) -> str:
    """The provider's authorization URL with ``prompt=none``: answered at once with a new code while the
    provider still knows the person, with ``error=login_required`` once it does not (account disabled,
    logged out there)."""
    state = get_random_string(32)
    code_verifier = get_random_string(64)
    params = {
        "response_type": "code",
        "client_id": conf.setting("OIDC_RP_CLIENT_ID"),
        "redirect_uri": request.build_absolute_uri(reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
        "state": state,
        "scope": settings.OIDC_RP_SCOPES,
        "prompt": "none",
        "nonce": get_random_string(32),
        "code_challenge": generate_code_challenge(code_verifier, "S256"),
        "code_challenge_method": "S256",
    }
    add_state_and_verifier_and_nonce_to_session(request, state, params, code_verifier)
    request.session["oidc_login_next"] = request.get_full_path()
    return f"{conf.setting('OIDC_OP_AUTHORIZATION_ENDPOINT')}?{urlencode(params, quote_via=quote)}"


def end_session_url(request) -> str:
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the provider, back to our login page."""
    endpoint = conf.setting("OIDC_OP_END_SESSION_ENDPOINT", "")
    if not endpoint:
        return ""
    params = {
        "client_id": conf.setting("OIDC_RP_CLIENT_ID"),
        "post_logout_redirect_uri": request.build_absolute_uri(reverse(settings.LOGIN_URL)),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"


class SessionRefreshMiddleware:
    """For a session opened by single sign-on: (1) past ``OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS`` a page
    (GET) first asks the provider again, silently; an account disabled or logged out there loses its
    session in the callback; (2) the logout page also ends the session at the provider."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not conf.oidc_enabled()
            or request.path.startswith(_EXEMPT_PREFIXES)
            or not is_sso_session(request)
        ):
            return self.get_response(request)
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        if view_name == "accounts:logout":
            return self.logout(request)
        if request.method == "GET" and request.session.get("oidc_id_token_expiration", 0) <= time.time():
            try:
                url = silent_authorization_url(request)
            except conf.ProviderUnavailable:
                # The platform is down: the page opens, and the re-check is tried again in a minute (the
                # idle and absolute limits still apply). Logging everybody out would not be safer.
                logger.warning("single sign-on: provider unreachable, session refresh postponed")
                request.session["oidc_id_token_expiration"] = time.time() + conf.PROVIDER_RETRY_SECONDS
                return self.get_response(request)
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                return JsonResponse({"refresh_url": url}, status=403)
            return HttpResponseRedirect(url)
        return self.get_response(request)

    def logout(self, request):
        url = ""
        if request.method == "POST":
            try:
                url = end_session_url(request)
            except conf.ProviderUnavailable:
                # the portal session ends all the same; the provider's cannot be ended from here now
                request.portal_logout_reason = "single sign-on: logout here, the provider could not be reached"
        if url:
            request.portal_logout_reason = "single sign-on: logout here and at the provider"
        response = self.get_response(request)
        if url and response.status_code in (301, 302, 303):
            response["Location"] = url
        return response


class ProviderFormActionMiddleware:
    """The logout form is answered with a redirect to the provider: the page's CSP ``form-action`` must
    allow the provider's origin (django-csp reads ``_csp_update``; this sits inside CSPMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if conf.oidc_enabled():
            origin = conf.provider_origin()
            if origin:
                update = dict(getattr(response, "_csp_update", None) or {})
                update["form-action"] = [*update.get("form-action", []), origin]
                response._csp_update = update
        return response

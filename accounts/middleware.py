"""Session limits and account policy (second factor, forced password change) of logged-in users."""

from __future__ import annotations

# --- Session limits and account policy ---------------------------------------------------------
# Paths that never need a session check (static files, the load balancer's probe).
_EXEMPT_PREFIXES = ("/static/", "/media/", "/health/")


def _exempt(request) -> bool:
    return request.path.startswith(_EXEMPT_PREFIXES)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _refuse_api(message, status: int):
    from django.http import JsonResponse

    return JsonResponse({"detail": str(message)}, status=status)


ACTIVITY_RESOLUTION_SECONDS = 60


class SessionLimitsMiddleware:
    """Idle timeout (``SESSION_IDLE_SECONDS``) and absolute session limit (``SESSION_ABSOLUTE_SECONDS``):
    past either, the user is logged out (a logout audit row records why) and sent to the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.conf import settings
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.contrib.auth.views import redirect_to_login

        from accounts import policy
        from accounts.signals import SESSION_ACTIVITY_KEY, SESSION_STARTED_KEY

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _exempt(request):
            return self.get_response(request)
        now = time.time()
        session = request.session
        started = session.get(SESSION_STARTED_KEY, now)
        last = session.get(SESSION_ACTIVITY_KEY, now)
        reason = ""
        if now - last > settings.SESSION_IDLE_SECONDS:
            reason = policy.IDLE_LOGOUT % {"n": settings.SESSION_IDLE_SECONDS // 60}
        elif now - started > settings.SESSION_ABSOLUTE_SECONDS:
            reason = policy.SESSION_LIMIT_LOGOUT % {"n": settings.SESSION_ABSOLUTE_SECONDS // 3600}
        if reason:
            request.portal_logout_reason = (
                "idle timeout" if now - last > settings.SESSION_IDLE_SECONDS else "session limit"
            )
            logout(request)
            if _is_api(request):
                return _refuse_api(reason, 401)
            messages.info(request, reason)
            return redirect_to_login(request.get_full_path())
        if SESSION_STARTED_KEY not in session:
            session[SESSION_STARTED_KEY] = started
        # Record activity at most once a minute: the idle timeout needs no finer clock, and pages are
        # spared a session write on every request.
        if SESSION_ACTIVITY_KEY not in session or now - last >= ACTIVITY_RESOLUTION_SECONDS:
            session[SESSION_ACTIVITY_KEY] = now
        return self.get_response(request)


class AccountPolicyMiddleware:
    """Before anything else, a logged-in user must (1) pass the second factor when their role requires
    it (``OTP_REQUIRED_ROLES``) or they enrolled a device, (2) change a password that must be
    changed (first login, reset by the administrator) or has expired (``PASSWORD_MAX_AGE_DAYS``), and
    (3) hold a role: an account the security administrator has not granted one opens nothing else."""

    OTP_SESSION_KEY = "portal_has_otp_device"
    # Set by single sign-on (sso app) when the provider's amr/acr proves a second factor.
    PROVIDER_OTP_SESSION_KEY = "portal_second_factor_at_provider"
    SIGN_ON_PREFIX = "/sso/"  # single sign-on's own pages (jiangmen_portal/urls.py)
    PASSWORD_PAGES = {"accounts:password_change", "accounts:logout"}
    NO_ROLE_PAGES = PASSWORD_PAGES | {"accounts:login", "accounts:otp_setup", "accounts:otp_verify"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _exempt(request):
            return self.get_response(request)
        refusal = self.check(request, user)
        return refusal or self.get_response(request)

    def _view_name(self, request) -> str:
        from django.urls import Resolver404, resolve

        try:
            return resolve(request.path_info).view_name
        except Resolver404:
            return ""

    def needs_otp(self, request, user) -> bool:
        from django.conf import settings

        if getattr(user, "is_verified", lambda: False)() or request.session.get(self.PROVIDER_OTP_SESSION_KEY):
            return False
        if user.role in settings.OTP_REQUIRED_ROLES:
            return True
        session = request.session
        if self.OTP_SESSION_KEY not in session:
            from django_otp import user_has_device

            session[self.OTP_SESSION_KEY] = user_has_device(user, confirmed=True)
        return bool(session[self.OTP_SESSION_KEY])

    def check(self, request, user):
        if request.path_info.startswith(self.SIGN_ON_PREFIX):
            return None  # the provider's answer to a session refresh must reach the sso app (no loop)
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from accounts import policy
        from accounts.choices import Role

        view_name = None
        if self.needs_otp(request, user):
            from django_otp import user_has_device

            view_name = self._view_name(request)
            # With a device, only the code proves the second factor: enrolling another one would bypass it.
            target = "accounts:otp_verify" if user_has_device(user, confirmed=True) else "accounts:otp_setup"
            if view_name not in (target, "accounts:logout"):
                if _is_api(request):
                    return _refuse_api(policy.OTP_REQUIRED_API, 403)
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
            return None
        if user.must_change_password or user.password_expired:
            view_name = view_name or self._view_name(request)
            if view_name not in self.PASSWORD_PAGES:
                if _is_api(request):
                    return _refuse_api(policy.PASSWORD_CHANGE_REQUIRED_API, 403)
                if user.must_change_password:
                    messages.warning(request, policy.PASSWORD_CHANGE_REQUIRED)
                else:
                    messages.warning(request, policy.PASSWORD_EXPIRED)
                return redirect(f"{reverse('accounts:password_change')}?{urlencode({'next': request.get_full_path()})}")
        if user.role == Role.NO_ROLE:
            # A new account reads nothing until the security administrator grants a role: every page but the
            # account's own says so (403; the home page 200), the API refuses.
            view_name = view_name or self._view_name(request)
            if view_name not in self.NO_ROLE_PAGES:
                if _is_api(request):
                    return _refuse_api(policy.NO_ROLE, 403)
                from django.shortcuts import render

                return render(
                    request,
                    "accounts/no_role.html",
                    {"message": policy.NO_ROLE},
                    status=200 if view_name == "home" else 403,
                )
        return None

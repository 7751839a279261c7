"""Login, password change (forced at first login and on expiry) and the TOTP second factor."""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.http import AuthenticatedRequest

from .. import audit, services
from ..choices import AuditAction
from ..forms import LoginForm, PasswordChangeForm, TokenForm, captcha_required


def _next_url(request, default="home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        # This failure may be the one after which the user name needs a CAPTCHA: show it right away.
        if captcha_required(form.data.get("username")):
            form.add_captcha()
        return super().form_invalid(form)


class PasswordChangeView(LoginRequiredMixin, FormView):
    request: AuthenticatedRequest
    """Change one's password. Also where the middleware sends a user who must change it."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = self.request.GET.get("next", "")
        context["forced"] = self.request.user.must_change_password or self.request.user.password_expired
        return context

    def form_valid(self, form):
        user = services.user_change_password(user=self.request.user, form=form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password was changed."))
        return redirect(_next_url(self.request))


def _qr_data_uri(text: str) -> str:
    """The enrolment QR code as an SVG data URI (an <img>, so no inline style or script)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class OTPSetupView(LoginRequiredMixin, FormView):
    """Enrol an authenticator app: scan the code, confirm with the first six-digit code."""

    template_name = "accounts/otp_setup.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        # Replacing an enrolled device needs the current second factor first.
        if (
            request.user.is_authenticated
            and not request.user.is_verified()
            and TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
        ):
            return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=self.request.user, confirmed=False).order_by("-id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=self.request.user, name=_("Authenticator app"), confirmed=False)
        return device

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.device()
        context.update(
            qr=_qr_data_uri(device.config_url),
            secret=base64.b32encode(device.bin_key).decode("ascii"),
            enrolled=TOTPDevice.objects.filter(user=self.request.user, confirmed=True).exists(),
            next=self.request.GET.get("next", ""),
        )
        return context

    def form_valid(self, form):
        with transaction.atomic():
            device = self.device()
            if not device.verify_token(form.cleaned_data["token"]):
                form.add_error("token", _("The code is wrong or has expired. Enter the code now shown in the app."))
                return self.form_invalid(form)
            TOTPDevice.objects.filter(user=self.request.user, confirmed=True).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.security_event(
                self.request.user, AuditAction.GRANT, "second factor enrolled", instance=self.request.user
            )
        otp_login(self.request, device)
        self.request.session["portal_has_otp_device"] = True
        messages.success(self.request, _("Two-factor authentication is now on for your account."))
        return redirect(_next_url(self.request))


class OTPVerifyView(LoginRequiredMixin, FormView):
    """Ask for the six-digit code after the password (users with an enrolled device)."""

    template_name = "accounts/otp_verify.html"
    form_class = TokenForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = self.request.GET.get("next", "")
        return context

    def form_valid(self, form):
        token = form.cleaned_data["token"]
        for device in TOTPDevice.objects.filter(user=self.request.user, confirmed=True):
            allowed, _info = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                otp_login(self.request, device)
                audit.security_event(self.request.user, AuditAction.LOGIN, "second factor passed")
                return redirect(_next_url(self.request))
        audit.security_event(self.request.user, AuditAction.LOGIN_FAILED, "wrong second-factor code")
        form.add_error("token", _("The code is wrong or has expired. Try again with the code now shown in the app."))
        return self.form_invalid(form)

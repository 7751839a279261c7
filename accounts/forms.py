"""Forms for logging in, passwords, the second factor and account administration."""

from __future__ import annotations

from typing import cast

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin

from .choices import PlaceLevel, Role
from .models import Department, Place, User


def captcha_required(username: str | None) -> bool:
    """After ``LOGIN_CAPTCHA_AFTER_FAILURES`` failed logins of a user name from any address within the
    cool-off period (django-axes' attempt rows), its next logins need a CAPTCHA."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum
    from django.utils import timezone

    if not username:
        return False
    failures = (
        (
            AccessAttempt.objects.filter(
                username=username[:255], attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
            ).aggregate(total=Sum("failures_since_start"))["total"]
        )
        or 0
    )
    return failures >= settings.LOGIN_CAPTCHA_AFTER_FAILURES


class CaptchaInput(CaptchaTextInput):
    """The challenge image (from our own server) and the answer box; no inline script or style (CSP)."""

    template_name = "accounts/captcha_widget.html"


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    """Django's login form; a user name with recent failures must also answer a CAPTCHA, and its
    password is not checked (nor a failure counted) until the CAPTCHA is answered."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if self.is_bound and captcha_required(self.data.get("username")):
            self.add_captcha()

    def add_captcha(self):
        if "captcha" not in self.fields:
            self.fields["captcha"] = CaptchaField(
                label=_("Characters in the picture"),
                widget=CaptchaInput(attrs={"class": "form-control"}),
                error_messages={"invalid": _("The characters do not match the picture; try the new one.")},
                help_text=_("Several failed logins for this user name: type the characters shown."),
            )

    def clean(self):
        if "captcha" in self.fields and "captcha" not in self.cleaned_data:
            return self.cleaned_data  # no password check without the CAPTCHA
        return super().clean()


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class TokenForm(BootstrapMixin, forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code consists of digits only."))
        return token


class UserCreateForm(BootstrapMixin, forms.ModelForm):
    """The system administrator creates an account; its role is granted by the security administrator."""

    class Meta:
        model = User
        fields = ["username", "full_name", "email"]


class UserUpdateForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "is_active"]


class GrantForm(BootstrapMixin, forms.ModelForm):
    """The security administrator's form: role, the county or department it applies to, and the
    permission to reveal masked personal data."""

    may_reveal_personal_data = forms.BooleanField(
        label=_("May reveal masked personal data"),
        required=False,
        help_text=_("Contact names and phone numbers are shown in full on request; each reveal is logged."),
    )

    class Meta:
        model = User
        fields = ["role", "county", "department", "is_unit_lead"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["county"]).queryset = Place.objects.filter(level=PlaceLevel.COUNTY)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = Department.objects.filter(is_active=True)
        cast(forms.ChoiceField, self.fields["role"]).choices = [c for c in Role.choices if c[0] != Role.API_CLIENT]

    def clean(self):
        data = super().clean() or {}
        role = data.get("role")
        if role == Role.COUNTY_OFFICIAL and not data.get("county"):
            self.add_error("county", _("A county official needs a county."))
        if role == Role.DEPARTMENT_USER and not data.get("department"):
            self.add_error("department", _("A department user needs a department."))
        if role != Role.COUNTY_OFFICIAL:
            data["county"] = None
        if role != Role.DEPARTMENT_USER:
            data["is_unit_lead"] = False
        return data

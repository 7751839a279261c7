"""Forms for logging in, passwords, the second factor and account administration."""
from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from jiangmen_portal.forms import BootstrapMixin

from .choices import PlaceLevel, Role
from .models import Department, Place, User


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class TokenForm(BootstrapMixin, forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"), min_length=6, max_length=8,
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
        label=_("May reveal masked personal data"), required=False,
        help_text=_("Contact names and phone numbers are shown in full on request; each reveal is logged."),
    )

    class Meta:
        model = User
        fields = ["role", "county", "department"]

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
        return data

"""Forms of the policy library."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.forms import BootstrapMixin
from core.scoping import scope_for

from .choices import Channel, Intention
from .models import Policy, PolicyCondition, SupportGrant


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PolicyForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Policy
        fields = [
            "title",
            "document_no",
            "issuing_department",
            "implementing_department",
            "support_type",
            "tasks",
            "apply_from",
            "apply_to",
            "valid_from",
            "valid_to",
            "no_application",
            "amount_rule",
            "attachment_note",
        ]
        widgets = {
            "apply_from": DateInput(),
            "apply_to": DateInput(),
            "valid_from": DateInput(),
            "valid_to": DateInput(),
            "amount_rule": forms.Textarea(attrs={"rows": 3}),
            "attachment_note": forms.Textarea(attrs={"rows": 2}),
            "tasks": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        if not scope.city_wide_write:
            # A department user enters its own unit's policies.
            field = self.fields["issuing_department"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Department.objects.filter(pk=scope.department_id or 0)
            if not self.instance.issuing_department_id:
                self.initial["issuing_department"] = scope.department_id
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class ConditionForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = PolicyCondition
        fields = [
            "kind",
            "figure",
            "operator",
            "threshold",
            "tier",
            "county",
            "industry",
            "tag",
            "listing_stage",
            "group",
            "sort_order",
        ]
        help_texts = {"threshold": _("Amounts in 10k yuan, ratios in percent.")}


class NotifyForm(BootstrapMixin, forms.Form):
    notified_on = forms.DateField(label=_("notified on"), widget=DateInput())
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    intention = forms.ChoiceField(label=_("intention"), choices=[("", "—"), *Intention.choices], required=False)


class ApplyForm(BootstrapMixin, forms.Form):
    applied_on = forms.DateField(label=_("applied on"), widget=DateInput())
    intention = forms.ChoiceField(label=_("intention"), choices=[("", "—"), *Intention.choices], required=False)


class GrantStepForm(BootstrapMixin, forms.Form):
    granted_on = forms.DateField(label=_("granted on"), widget=DateInput())
    granted_amount = forms.DecimalField(label=_("amount granted (10k yuan)"), max_digits=14, decimal_places=2)


STEP_FORMS = {"notified": NotifyForm, "applied": ApplyForm, "granted": GrantStepForm}


class EnterpriseByCreditCode(forms.CharField):
    """An enterprise named by its unified social credit code, among those ``user`` reads (set by
    the form; unset: none)."""

    user = None

    def clean(self, value):
        from enterprises.models import Enterprise

        value = super().clean(value).strip().upper()
        enterprise = Enterprise.objects.for_user(self.user).filter(credit_code=value).first()
        if enterprise is None:
            raise forms.ValidationError(_("No enterprise with this credit code."))
        return enterprise


class GrantForm(BootstrapMixin, forms.ModelForm):
    enterprise = EnterpriseByCreditCode(label=_("enterprise (unified social credit code)"), max_length=18)

    class Meta:
        model = SupportGrant
        fields = [
            "enterprise",
            "policy",
            "policy_text",
            "department",
            "support_type",
            "amount",
            "granted_on",
            "batch",
            "document_no",
        ]
        widgets = {"granted_on": DateInput()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        cast(EnterpriseByCreditCode, self.fields["enterprise"]).user = user
        self.fields["policy"].required = False
        if not scope.city_wide_write:
            field = self.fields["department"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Department.objects.filter(pk=scope.department_id or 0)
            if not self.initial.get("department"):
                self.initial["department"] = scope.department_id

"""Forms of the policy library."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.forms import BootstrapMixin
from core.scoping import scope_for

from .models import Policy, PolicyCondition


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
            self.fields["issuing_department"].queryset = Department.objects.filter(pk=scope.department_id)
            self.fields["issuing_department"].initial = scope.department_id
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

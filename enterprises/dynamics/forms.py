"""Forms of dynamic management. They bind and validate input; saving goes through
``enterprises.dynamics.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin

from ..forms import DateInput
from ..models import RESERVE_TRANSITIONS, Criterion, ReserveStatus, ReviewOutcome, RevocationGround


class ReviewForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ReviewOutcome.PENDING, _("Review started (pending)")),
            (ReviewOutcome.PASSED, _("Passed")),
            (ReviewOutcome.FAILED, _("Failed")),
        ],
    )
    started_on = forms.DateField(
        label=_("Review started on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: today, or the decision date for a review decided in one step."),
    )
    decided_on = forms.DateField(label=_("Decided on"), required=False, widget=DateInput())
    document_no = forms.CharField(label=_("Document number"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("outcome") in (ReviewOutcome.PASSED, ReviewOutcome.FAILED) and not data.get("decided_on"):
            self.add_error("decided_on", _("A decided review needs the date of the decision."))
        return data


class RevocationForm(BootstrapMixin, forms.Form):
    ground = forms.ChoiceField(label=_("Ground"), choices=RevocationGround.choices)
    revoked_on = forms.DateField(label=_("Revoked on"), widget=DateInput())
    document_no = forms.CharField(label=_("Document number"), max_length=100, required=False)
    note = forms.CharField(label=_("Details"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RecommendForm(forms.Form):
    enterprise = forms.IntegerField(widget=forms.HiddenInput)
    tier = forms.SlugField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AdvanceForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    on_date = forms.DateField(label=_("Date"), widget=DateInput())
    document_no = forms.CharField(
        label=_("Recognition document number"),
        max_length=100,
        required=False,
        help_text=_("For a recognition: the title is created with this document number."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = RESERVE_TRANSITIONS.get(entry.status, set())
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [(value, label) for value, label in ReserveStatus.choices if value in allowed]
        self.fields["version"].initial = entry.version


class CriterionForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["name", "operator", "threshold", "upper", "upper_operator", "points", "note"]

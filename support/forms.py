"""Forms of the support app: visits (with the requests they raise), request steps, assignments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Department, User
from core.forms import BootstrapMixin

from .choices import RequestAction, Satisfaction, Urgency
from .models import RequestCategory, Visit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type=date> shows and sends


class VisitForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Visit
        fields = [
            "visited_on",
            "form",
            "participants",
            "orders",
            "production",
            "employment",
            "investment",
            "situation",
            "next_visit_on",
        ]
        widgets = {
            "visited_on": DateInput(),
            "next_visit_on": DateInput(),
            "orders": forms.Textarea(attrs={"rows": 2}),
            "production": forms.Textarea(attrs={"rows": 2}),
            "employment": forms.Textarea(attrs={"rows": 2}),
            "investment": forms.Textarea(attrs={"rows": 2}),
            "situation": forms.Textarea(attrs={"rows": 3}),
        }


class RaisedRequestForm(BootstrapMixin, forms.Form):
    """A difficulty raised during the visit: it becomes a request (empty rows are skipped)."""

    category = forms.ModelChoiceField(
        label=_("Request category"), queryset=RequestCategory.objects.filter(is_active=True), required=False
    )
    description = forms.CharField(
        label=_("Difficulty raised"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("description") and not data.get("category"):
            self.add_error("category", _("Choose the category of this request."))
        if data.get("category") and not data.get("description"):
            self.add_error("description", _("Describe the difficulty."))
        return data


RaisedRequestFormSet = forms.formset_factory(RaisedRequestForm, extra=2, max_num=10, validate_max=True)


class StepForm(BootstrapMixin, forms.Form):
    """One step of a request (the button pressed names it)."""

    action = forms.ChoiceField(choices=RequestAction.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("Text of the step"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(is_active=True), required=False
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=[("", "—"), *Satisfaction.choices], required=False
    )


def commissioner_choices(county_id: int | None) -> Any:
    """Who may serve: county officials of the county and department users (active)."""
    officials = Q(role=Role.COUNTY_OFFICIAL) & (Q(county_id=county_id) if county_id else Q())
    return User.objects.filter(is_active=True).filter(officials | Q(role=Role.DEPARTMENT_USER)).order_by("username")


class AssignForm(BootstrapMixin, forms.Form):
    commissioner = forms.ModelChoiceField(label=_("Service commissioner"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("Assigned from"), required=False, widget=DateInput())

    def __init__(self, *args: Any, county_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commissioner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = commissioner_choices(county_id)

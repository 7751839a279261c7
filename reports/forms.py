from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from core.scoping import scope_for

from .selectors import parse_period, period_label

FIRST_YEAR = 2024  # the action plan runs 2024–2026; earlier quarters are still offered back to 2023


def period_choices(today=None) -> list[tuple[str, str]]:
    """Quarters from 2023Q1 (the plan's baseline year) to the current one, newest first."""
    today = today or timezone.localdate()
    current = (today.year, (today.month - 1) // 3 + 1)
    choices = []
    year, quarter = current
    while (year, quarter) >= (FIRST_YEAR - 1, 1):
        choices.append((f"{year}Q{quarter}", period_label(year, quarter)))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return choices


def default_period(today=None) -> str:
    """The last quarter that has ended."""
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3  # previous quarter
    return f"{today.year}Q{quarter}" if quarter else f"{today.year - 1}Q4"


class ReportRequestForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))
    county = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=Place.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Jiangmen (whole city)"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["period"]).choices = period_choices()
        self.fields["period"].initial = default_period()
        scope = scope_for(user)
        counties = Place.objects.filter(level="county")
        if scope.county_id is not None:
            counties = counties.filter(pk=scope.county_id)
            self.fields["county"].required = True
            cast(forms.ModelChoiceField, self.fields["county"]).empty_label = None
        cast(forms.ModelChoiceField, self.fields["county"]).queryset = counties
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except ValidationError as error:
            raise ValidationError(error.messages[0])

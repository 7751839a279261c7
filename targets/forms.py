"""Forms of the targets app: reported values, county allocations, recompute requests."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Place

from .models import ManualValue


class ManualValueForm(forms.ModelForm):
    class Meta:
        model = ManualValue
        fields = ["as_of", "county", "value", "evidence", "document_no"]
        widgets = {
            "as_of": forms.DateInput(attrs={"type": "date"}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"county": _("Leave empty for the city as a whole.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["county"]).queryset = Place.objects.filter(level="county").order_by(
            "sort_order"
        )
        self.fields["county"].required = False
        self.fields["as_of"].initial = timezone.localdate()
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )


def _plain(value):
    """A stored amount as typed: ``10.0000`` shows as ``10``, ``12.5000`` as ``12.5`` (counts of
    enterprises are integers, never shown with four decimals)."""
    if value is None:
        return None
    return format(Decimal(value).normalize(), "f")


class AllocationForm(forms.Form):
    """Per county: the allocated target (``county_<code>``) and, optionally, the county's declared
    share of the city baseline (``baseline_<code>``; empty: the records on the baseline date)."""

    def __init__(self, *args, counties, initial_values: dict, initial_baselines: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.counties = counties
        initial_baselines = initial_baselines or {}
        for place in counties:
            self.fields[f"county_{place.code}"] = forms.DecimalField(
                label=place.name,
                required=False,
                min_value=0,
                max_digits=18,
                decimal_places=4,
                initial=_plain(initial_values.get(place.pk)),
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
            )
            self.fields[f"baseline_{place.code}"] = forms.DecimalField(
                label=_("%(county)s baseline") % {"county": place.name},
                required=False,
                min_value=0,
                max_digits=18,
                decimal_places=4,
                initial=_plain(initial_baselines.get(place.pk)),
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
            )

    def values(self) -> dict:
        return {place.pk: self.cleaned_data.get(f"county_{place.code}") for place in self.counties}

    def baselines(self) -> dict:
        return {place.pk: self.cleaned_data.get(f"baseline_{place.code}") for place in self.counties}

    def rows(self) -> list[tuple]:
        """(county, target field, baseline field) per county, for the table."""
        return [(place, self[f"county_{place.code}"], self[f"baseline_{place.code}"]) for place in self.counties]

"""Forms of the listing pipeline: they bind and validate input; saving goes through ``services``."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapMixin

from ..choices import EnterpriseStatus, ListingStage, ListingVenue
from ..forms import DateInput
from ..models import Enterprise, ListingRecord
from .models import ListingAction, ListingReserveEntry


class EnterpriseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.county.name}）"


class EntryForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ListingReserveEntry
        fields = ["enterprise", "target_venue", "target_year", "sponsor", "entered_on", "removed_on", "note"]
        widgets = {"entered_on": DateInput(), "removed_on": DateInput()}
        help_texts = {"removed_on": _("Fill in to take the enterprise off the reserve list on that day.")}
        field_classes = {"enterprise": EnterpriseChoiceField}

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["enterprise"]  # removal: an entry leaves the list by its removal date
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["removed_on"]  # a new entry is on the list
            enterprise_field = cast(forms.ModelChoiceField, self.fields["enterprise"])
            enterprise_field.queryset = (
                enterprises.filter(status=EnterpriseStatus.OPERATING).select_related("county").order_by("name")
                if enterprises is not None
                else Enterprise.objects.none()
            )
            # the unsaved instance's empty values are in ``initial``: default them here
            self.initial["entered_on"] = self.initial.get("entered_on") or timezone.localdate()
            self.initial["target_year"] = self.initial.get("target_year") or timezone.localdate().year + 1
        cast(forms.ChoiceField, self.fields["target_venue"]).choices = [
            (value, label) for value, label in ListingVenue.choices if value != ListingVenue.GDEC
        ]


class StepForm(BootstrapMixin, forms.ModelForm):
    """A listing record written from the pipeline (辅导备案 … 上市, 撤回, 挂牌)."""

    class Meta:
        model = ListingRecord
        fields = ["stage", "venue", "date", "stock_code", "note"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["stage"]).choices = ListingStage.choices
        self.initial["date"] = self.initial.get("date") or timezone.localdate()


class ActionForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ListingAction
        fields = ["kind", "date", "description"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["date"] = self.initial.get("date") or timezone.localdate()

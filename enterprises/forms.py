"""Forms for the web UI. They only bind and validate input; saving goes through ``services``."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from core.forms import BootstrapMixin
from core.scoping import scope_for

from .models import Enterprise, ListingRecord, RDInstitution, Statistic, Tag, Title
from .validators import normalise_credit_code


class VersionedForm(BootstrapMixin, forms.ModelForm):
    """Carries the version the user started from, so a stale save can be refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EnterpriseForm(VersionedForm):
    tags = forms.ModelMultipleChoiceField(
        label=_("Focus tags"), queryset=Tag.objects.all(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = Enterprise
        fields = ["credit_code", "name", "county", "industry", "niche_market", "tags", "address", "established_on",
                  "contact_person", "contact_phone", "status"]
        widgets = {"established_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        counties = Place.objects.filter(level="county")
        if scope.county_id is not None:
            counties = counties.filter(pk=scope.county_id)
            self.fields["county"].initial = scope.county_id
        self.fields["county"].queryset = counties
        self.fields["industry"].queryset = self.fields["industry"].queryset.filter(level="division")
        if self.instance.pk:
            self.fields["tags"].initial = list(self.instance.tags.values_list("pk", flat=True))

    def clean_credit_code(self):
        return normalise_credit_code(self.cleaned_data["credit_code"])

    def validate_unique(self):
        """Name the enterprise that already holds a credit code."""
        code = self.cleaned_data.get("credit_code")
        if code:
            existing = Enterprise.objects.exclude(pk=self.instance.pk).filter(credit_code=code).select_related("county").first()
            if existing is not None:
                self.add_error("credit_code", _("This credit code is already registered to %(name)s (%(county)s).") % {
                    "name": existing.name, "county": existing.county})
                return
        super().validate_unique()


class TitleForm(VersionedForm):
    class Meta:
        model = Title
        # ``status`` is not here: the lapse job, reviews and revocations own it.
        fields = ["tier", "batch", "recognised_on", "valid_until", "ended_on", "end_reason", "document_no"]
        widgets = {"recognised_on": DateInput(), "valid_until": DateInput(), "ended_on": DateInput()}


class StatisticForm(VersionedForm):
    class Meta:
        model = Statistic
        fields = ["year", "quarter", *Statistic.FIGURE_FIELDS]
        widgets = {
            "university_cooperation": forms.NullBooleanSelect(),
            "fills_tech_gap": forms.NullBooleanSelect(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("university_cooperation", "fills_tech_gap"):
            self.fields[name].widget.attrs["class"] = "form-select"


class RDInstitutionForm(VersionedForm):
    class Meta:
        model = RDInstitution
        fields = ["level", "name", "recognised_year"]


class ListingRecordForm(VersionedForm):
    class Meta:
        model = ListingRecord
        fields = ["stage", "venue", "date", "stock_code", "note"]
        widgets = {"date": DateInput()}

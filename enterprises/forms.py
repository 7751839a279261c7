"""Forms for the web UI. They only bind and validate input; saving goes through ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from accounts.services import REVEAL_PERMISSION
from core.forms import BootstrapMixin
from core.masking import mask_name, mask_phone
from core.scoping import VIEW, scope_for

from .choices import EnterpriseStatus
from .models import Enterprise, Industry, ListingRecord, RDInstitution, Statistic, Tag, Title
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
        label=_("Focus tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = Enterprise
        fields = [
            "credit_code",
            "name",
            "county",
            "industry",
            "niche_market",
            "tags",
            "address",
            "established_on",
            "contact_person",
            "contact_phone",
            "status",
        ]
        widgets = {"established_on": DateInput()}

    status_effective_on = forms.DateField(
        label=_("Status effective on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Needed when the status changes: the day the enterprise was deregistered, moved out or "
            "resumed operating. Counts as of a date leave out the enterprises gone by then."
        ),
    )

    county_effective_on = forms.DateField(
        label=_("Move effective on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Needed when the county changes: the first day the enterprise belongs to the new county. "
            "Figures as of an earlier date count it in the county it was in then."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = scope_for(user)
        counties = Place.objects.filter(level="county")
        if scope.county_id is not None:
            counties = counties.filter(pk=scope.county_id)
            self.fields["county"].initial = scope.county_id
        if scope.county_id is not None or not self.instance.pk:
            del self.fields["county_effective_on"]  # only the city moves an enterprise (services.may_move)
        county, industry = self.fields["county"], self.fields["industry"]
        assert isinstance(county, forms.ModelChoiceField) and isinstance(industry, forms.ModelChoiceField)
        county.queryset = counties
        industry.queryset = Industry.objects.filter(level="division")
        if self.instance.pk:
            self.fields["tags"].initial = list(self.instance.tags.values_list("pk", flat=True))
        # Personal data: masked to a user without the reveal permission; typing a new value replaces it,
        # the masked value sent back unchanged keeps the stored one (clean_<field>).
        self.masked = {}
        if self.instance.pk and not user.has_perm(REVEAL_PERMISSION):
            for name, masker in self.MASKED_FIELDS.items():
                stored = getattr(self.instance, name)
                if stored:
                    self.masked[name] = (masker(stored), stored)
                    self.initial[name] = masker(stored)

    MASKED_FIELDS = {"contact_person": mask_name, "contact_phone": mask_phone}

    def _unmask(self, name):
        value = self.cleaned_data[name]
        masked, stored = self.masked.get(name, (None, None))
        return stored if masked is not None and value == masked else value

    def clean_contact_person(self):
        return self._unmask("contact_person")

    def clean_contact_phone(self):
        return self._unmask("contact_phone")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        status = cleaned.get("status")
        before = self.initial.get("status") if self.instance.pk else EnterpriseStatus.OPERATING
        if status and status != before and not cleaned.get("status_effective_on"):
            self.add_error("status_effective_on", _("The status changes: give the date it took effect."))
        county = cleaned.get("county")
        moving = self.instance.pk and county is not None and county.pk != self.initial.get("county")
        if moving and "county_effective_on" in self.fields and not cleaned.get("county_effective_on"):
            self.add_error("county_effective_on", _("The county changes: give the date the move took effect."))
        return cleaned

    def clean_credit_code(self):
        return normalise_credit_code(self.cleaned_data["credit_code"])

    def validate_unique(self):
        """Name the enterprise that already holds a credit code when the user may read it; of an
        enterprise outside the user's scope say only that the code is taken (as the API does)."""
        code = self.cleaned_data.get("credit_code")
        if code:
            holders = Enterprise.objects.exclude(pk=self.instance.pk).filter(credit_code=code)
            if holders.exists():
                visible = holders.for_user(self.user, VIEW).select_related("county").first()
                if visible is None:
                    self.add_error("credit_code", _("This credit code is already registered."))
                else:
                    self.add_error(
                        "credit_code",
                        _("This credit code is already registered to %(name)s (%(county)s).")
                        % {"name": visible.name, "county": visible.county},
                    )
                return
        super().validate_unique()


class TitleForm(VersionedForm):
    """No ``status``: the nightly lapse job and the review and revocation services own it (a form
    carrying it would write an old status back over the job's)."""

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

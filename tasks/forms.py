"""Forms of the responsibility matrix: they bind and validate input; saving goes through ``services``."""
from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.forms import BootstrapMixin

from .models import KeyTask, ProgressReport

TEXT_LIMIT = 20_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); checked one by one by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.xlsx,.docx,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    uploads = MultipleFileField(
        label=_("Attachments"), required=False,
        help_text=_("PDF, Excel (.xlsx), Word (.docx), PNG or JPG; several files may be chosen at once."),
    )

    class Meta:
        model = ProgressReport
        fields = ["progress_percent", "summary", "figures", "problems", "next_steps"]
        widgets = {
            "progress_percent": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
            "summary": forms.Textarea(attrs={"rows": 6}),
            "figures": forms.Textarea(attrs={"rows": 4}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        for name in ("summary", "figures", "problems", "next_steps"):
            self.fields[name].max_length = TEXT_LIMIT
            self.fields[name].validators.append(forms.CharField(max_length=TEXT_LIMIT).validators[0])


class ReviewForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return for changes"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=TEXT_LIMIT,
                              widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TaskForm(BootstrapMixin, forms.ModelForm):
    indicator_codes = forms.CharField(
        label=_("Indicators served"), required=False,
        help_text=_("Indicator codes separated by commas or spaces, e.g. provincial_srdi, listed_companies."),
    )

    class Meta:
        model = KeyTask
        fields = ["number", "title", "group_title", "measures", "indicator_codes", "counties_responsible", "is_active"]
        widgets = {"measures": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["indicator_codes"] = ", ".join(self.instance.indicator_codes or [])

    def clean_indicator_codes(self):
        raw = self.cleaned_data.get("indicator_codes") or ""
        codes = [c for c in re.split(r"[\s,，、;；]+", raw) if c]
        bad = [c for c in codes if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", c)]
        if bad:
            raise forms.ValidationError(
                _("Not an indicator code: %(codes)s (letters, digits, _ . - only).") % {"codes": "、".join(bad)})
        return list(dict.fromkeys(codes))


class ReminderForm(BootstrapMixin, forms.Form):
    message = forms.CharField(label=_("Message"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Left empty: a standard message naming the task, period and due date."))

"""Forms of the responsibility matrix: they bind and validate input; saving goes through ``services``."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.forms import BootstrapMixin

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
        label=_("Attachments"),
        required=False,
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
            field = self.fields[name]
            assert isinstance(field, forms.CharField)  # text columns
            field.max_length = TEXT_LIMIT
            field.validators.append(forms.CharField(max_length=TEXT_LIMIT).validators[0])


class ReviewForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return for changes"))]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TaskForm(BootstrapMixin, forms.ModelForm):
    """A task of the plan, its responsible units in order (the first leads) and the indicators it serves.
    City operators edit the plan's tasks and add tasks of later plans with it."""

    units = forms.CharField(
        label=_("Responsible units, lead first"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Department names, short names or codes in the plan's order, separated by commas or new "
            "lines; the first is the lead unit (牵头单位)."
        ),
    )
    indicator_codes = forms.CharField(
        label=_("Indicators served"),
        required=False,
        help_text=_(
            "Indicator codes of the goals dashboard separated by commas or spaces, e.g. provincial-srdi, listings."
        ),
    )

    class Meta:
        model = KeyTask
        fields = [
            "code",
            "number",
            "kind",
            "title",
            "group_title",
            "measures",
            "units",
            "indicator_codes",
            "counties_responsible",
            "sort_order",
            "source_document",
            "is_active",
        ]
        widgets = {"measures": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True  # URLs and fixtures refer to it
            self.initial["indicator_codes"] = ", ".join(self.instance.indicator_codes or [])
            self.initial["units"] = "\n".join(
                u.department.short_name or u.department.name
                for u in self.instance.units.select_related("department").order_by("position")
            )

    def clean_indicator_codes(self):
        raw = self.cleaned_data.get("indicator_codes") or ""
        codes = [c for c in re.split(r"[\s,，、;；]+", raw) if c]
        bad = [c for c in codes if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", c)]
        if bad:
            raise forms.ValidationError(
                _("Not an indicator code: %(codes)s (letters, digits, _ . - only).") % {"codes": "、".join(bad)}
            )
        from targets.models import Indicator

        known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(
                _("No indicator has the code %(codes)s; see the goals dashboard for the codes.")
                % {"codes": "、".join(unknown)}
            )
        return list(dict.fromkeys(codes))

    def clean_units(self):
        """The departments, in order; every entry must name exactly one department, once."""
        entries = [e.strip() for e in re.split(r"[\n,，、;；]+", self.cleaned_data.get("units") or "") if e.strip()]
        lookup = {}
        for department in Department.objects.filter(is_active=True):
            for key in (department.code, department.name, department.short_name):
                if key:
                    lookup[key] = department
        unknown = [e for e in entries if e not in lookup]
        if unknown:
            raise forms.ValidationError(_("Unknown department: %(names)s.") % {"names": "、".join(unknown)})
        departments = [lookup[e] for e in entries]
        repeated = {d.short_name or d.name for d in departments if departments.count(d) > 1}
        if repeated:
            raise forms.ValidationError(_("Listed more than once: %(names)s.") % {"names": "、".join(sorted(repeated))})
        if not departments:
            raise forms.ValidationError(_("Name at least the lead unit."))
        return departments


class ReminderForm(BootstrapMixin, forms.Form):
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Left empty: a standard message naming the task, period and due date."),
    )

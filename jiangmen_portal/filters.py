"""Filter parameters that validate before they reach the database.

Every FilterSet of the portal (web lists, exports, API) derives from ``PortalFilterSet``. A value
the database would refuse is a form error (a page shows it next to the field; the API answers 400
naming the parameter), never a 500:

- date-times (``updated_since``, ``created_since``): ISO 8601 with a time-zone offset within
  ±15:59 (PostgreSQL refuses more, Python accepts up to ±23:59), converted to UTC; a value whose
  UTC time falls outside years 1-9999 is out of range;
- IP addresses (the audit search): a valid IPv4 or IPv6 address (PostgreSQL's ``inet`` refuses
  anything else);
- any parameter with a NUL character is refused before its field is cleaned (a model choice
  would otherwise put it into a query: PostgreSQL cannot take NUL in a text literal).
"""
from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

MAX_OFFSET = dt.timedelta(hours=15, minutes=59)


def bounded_datetime(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` in UTC, or a ``ValidationError`` if PostgreSQL could not take it."""
    if value is None or value.tzinfo is None:
        return value
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValidationError(_("The time-zone offset must be between -15:59 and +15:59."), code="offset")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError(_("The date and time is out of range (years 1 to 9999)."), code="range") from None


class BoundedIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        try:
            parsed = super().to_python(value)
        except OverflowError:  # e.g. 9999-12-31T23:59:59 made aware in a zone east of UTC
            raise ValidationError(_("The date and time is out of range (years 1 to 9999)."), code="range") from None
        return bounded_datetime(parsed)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time the database accepts (see ``bounded_datetime``)."""

    field_class = BoundedIsoDateTimeField


class IPAddressFilter(django_filters.CharFilter):
    """An IPv4 or IPv6 address (a ``GenericIPAddressField`` column is ``inet`` on PostgreSQL)."""

    field_class = forms.GenericIPAddressField


NUL_MESSAGE = _("Null characters are not allowed.")  # Django's msgid, worded in the project catalogue


def _has_nul(data, key: str) -> bool:
    values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
    return any(isinstance(value, str) and "\x00" in value for value in values)


class NulRefusingForm(forms.Form):
    """A filter form whose fields never see a value with a NUL character: such a parameter is a
    field error without being cleaned (so it reaches no query)."""

    def full_clean(self):
        if not self.is_bound:
            return super().full_clean()
        refused = {name for name in self.fields if _has_nul(self.data, self.add_prefix(name))}
        if not refused:
            return super().full_clean()
        fields = self.fields
        self.fields = {name: field for name, field in fields.items() if name not in refused}
        try:
            super().full_clean()
        finally:
            self.fields = fields
        for name in sorted(refused):
            self.add_error(name, ValidationError(NUL_MESSAGE, code="null_characters_not_allowed"))


class PortalFilterSet(django_filters.FilterSet):
    """The base of every FilterSet: its form refuses NUL characters, and generated filters for
    date-time and IP columns validate too."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
        models.GenericIPAddressField: {"filter_class": IPAddressFilter},
    }

    def get_form_class(self):
        form_class = super().get_form_class()
        return type(form_class.__name__, (NulRefusingForm, form_class), {})

"""Filter parameters that validate before they reach the database.

Every FilterSet of the portal (web lists, exports, API) derives from ``PortalFilterSet``. A value
the database would refuse is a form error (a page shows it next to the field; the API answers 400
naming the parameter), never a 500:

- date-times (``updated_since``, ``created_since``): ISO 8601 / RFC 3339 with any offset RFC 3339
  allows (up to ±23:59), converted to UTC before the query (PostgreSQL itself refuses offsets
  beyond ±15:59); a value whose UTC time falls outside years 1-9999 is out of range;
- integer columns (ids, years, quarters): a whole number within 64 bits;
- booleans: true or false (1/0), anything else is an error;
- IP addresses (the audit search): a valid IPv4 or IPv6 address (PostgreSQL's ``inet`` refuses
  anything else);
- any parameter with a NUL character is refused before its field is cleaned (a model choice
  would otherwise put it into a query: PostgreSQL cannot take NUL in a text literal).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework import filters as rest_framework_filters

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def bounded_datetime(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` in UTC (so that PostgreSQL never sees the offset), or a ``ValidationError`` when
    that UTC time is not a date-time of years 1-9999."""
    if value is None or value.tzinfo is None:
        return value
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError(_("The date and time is out of range (years 1 to 9999)."), code="range") from None


class BoundedIsoDateTimeField(IsoDateTimeField):  # type: ignore[misc]  # django-filter ships no type information (its classes are Any)
    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            parsed = super().to_python(value)
        except OverflowError:  # e.g. 9999-12-31T23:59:59 made aware in a zone east of UTC
            raise ValidationError(_("The date and time is out of range (years 1 to 9999)."), code="range") from None
        return bounded_datetime(parsed)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):  # type: ignore[misc]  # django-filter ships no type information (its classes are Any)
    """An ISO 8601 date-time the database accepts (see ``bounded_datetime``)."""

    field_class = BoundedIsoDateTimeField


class BoundedIntegerField(forms.IntegerField):
    """A whole number a 64-bit integer column can be compared with (1.5, 1e400 or 20 digits are errors)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT64)  # the schema says integer (a NumberFilter would be "number")
class IntegerFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter ships no type information (its classes are Any)
    """An integer column (ids, years, quarters): a whole number in the column's range."""

    field_class = BoundedIntegerField


class StrictNullBooleanField(forms.NullBooleanField):
    """Empty: no filter; true/false (also 1/0, True/False); anything else is an error (Django's
    ``NullBooleanField`` would read it as "no filter")."""

    widget = forms.TextInput  # the raw value (django-filter's BooleanWidget maps unknown values to None)

    # Like NullBooleanField's own, this may return None: the stubs ignore that override of BooleanField's
    # ``to_python`` (-> bool) too.
    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise ValidationError(_("Enter true or false."), code="invalid")


class BooleanFilter(django_filters.BooleanFilter):  # type: ignore[misc]  # django-filter ships no type information (its classes are Any)
    field_class = StrictNullBooleanField


class IPAddressFilter(django_filters.CharFilter):  # type: ignore[misc]  # django-filter ships no type information (its classes are Any)
    """An IPv4 or IPv6 address (a ``GenericIPAddressField`` column is ``inet`` on PostgreSQL)."""

    field_class = forms.GenericIPAddressField


NUL_MESSAGE = _("Null characters are not allowed.")  # Django's msgid, worded in the project catalogue


def _has_nul(data: Any, key: str) -> bool:  # a QueryDict or a dict
    values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
    return any(isinstance(value, str) and "\x00" in value for value in values)


class NulRefusingForm(forms.Form):
    """A filter form whose fields never see a value with a NUL character: such a parameter is a
    field error without being cleaned (so it reaches no query)."""

    def full_clean(self) -> None:
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


class PortalFilterSet(django_filters.FilterSet):  # type: ignore[misc]  # django-filter ships no type information (its classes are Any)
    """The base of every FilterSet: its form refuses NUL characters, and generated filters for
    date-time and IP columns validate too."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateTimeField: {"filter_class": IsoDateTimeFilter},
        models.GenericIPAddressField: {"filter_class": IPAddressFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
        models.IntegerField: {"filter_class": IntegerFilter},
        models.BigIntegerField: {"filter_class": IntegerFilter},
        models.SmallIntegerField: {"filter_class": IntegerFilter},
        models.PositiveIntegerField: {"filter_class": IntegerFilter},
        models.PositiveSmallIntegerField: {"filter_class": IntegerFilter},
        models.AutoField: {"filter_class": IntegerFilter},
        models.BigAutoField: {"filter_class": IntegerFilter},
    }

    def get_form_class(self) -> type[forms.Form]:
        form_class = super().get_form_class()
        return type(form_class.__name__, (NulRefusingForm, form_class), {})


class PortalOrderingFilter(django_filters.OrderingFilter):  # type: ignore[misc]  # django-filter ships no type information (its classes are Any)
    """The web lists' sort choices, with the descending label in the portal's catalogue (django-filter
    ships ``zh_CN`` only, which ``zh-hans`` never reads)."""

    descending_fmt = _("%s (descending)")


class PortalFilterBackend(DjangoFilterBackend):  # type: ignore[misc]  # django-filter ships no type information
    """The API's FilterSet backend. A request whose query has nothing but the paginator's parameters
    and the format (a client browsing or synchronising the whole list) builds no FilterSet: every
    filter would get an empty value and filter nothing, and building the form (its class, fields
    and validation) costs about a millisecond a page. Any other parameter, known or not, goes the
    FilterSet's way."""

    @staticmethod
    def non_filter_params(view: APIView) -> set[str]:
        """The query parameters the view's paginator reads (``core.api_security.PortalPagination``:
        page, page size, cursor), and REST framework's format override."""
        from rest_framework.settings import api_settings

        paginator = getattr(view, "paginator", None)
        names = {
            getattr(paginator, attr, None)
            for attr in (
                "page_query_param",
                "page_size_query_param",
                "cursor_query_param",
                "limit_query_param",
                "offset_query_param",
            )
        }
        names.add(api_settings.URL_FORMAT_OVERRIDE)
        return {name for name in names if name}

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        if self.non_filter_params(view).issuperset(request.query_params):
            return queryset
        filtered: QuerySet[Any] = super().filter_queryset(request, queryset, view)
        return filtered


class StrictOrderingFilter(rest_framework_filters.OrderingFilter):
    """The API's ``?ordering=``: an unknown field is a 400 (DRF would ignore it silently); the schema
    states the accepted fields as a pattern."""

    def remove_invalid_fields(
        self, queryset: QuerySet[Any], fields: Iterable[str], view: APIView, request: Request
    ) -> list[str]:
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        invalid = [field for field in fields if field not in valid]
        if invalid:
            raise exceptions.ValidationError(
                {self.ordering_param: [_("Unknown sort field: %(fields)s.") % {"fields": ", ".join(invalid)}]}
            )
        return valid

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if isinstance(fields, (list, tuple)) and fields:
            names = "|".join(re.escape(f if isinstance(f, str) else f[0]) for f in fields)
            for parameter in parameters:
                parameter["schema"]["pattern"] = f"^(-?({names})(,-?({names}))*)?$"  # empty: the default order
        return parameters

"""The FilterSet of the pipeline page (validates the parameters; the stage is derived, so stage
and venue are applied by the selector to the derived rows)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Place
from core.filters import PortalFilterSet

from ..choices import ListingStage, ListingVenue
from ..filtersets import ScopedFilterSetMixin
from ..models import Enterprise
from .choices import NOT_STARTED


def _keep(queryset, name, value):
    return queryset


class PipelineFilterSet(ScopedFilterSetMixin, PortalFilterSet):
    q = django_filters.CharFilter(label=_("Name or credit code"), method=_keep)
    county = django_filters.ModelChoiceFilter(
        label=_("County"), queryset=Place.objects.filter(level="county"), to_field_name="code", method=_keep
    )
    venue = django_filters.ChoiceFilter(label=_("Venue"), choices=ListingVenue.choices, method=_keep)
    stage = django_filters.ChoiceFilter(
        label=_("Stage"),
        choices=[(NOT_STARTED, _("Not started")), *ListingStage.choices],
        method=_keep,
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

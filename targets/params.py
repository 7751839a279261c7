"""Parameters of an indicator's computation kind and their validation (``Indicator.clean`` and the
fixtures test call ``validate_params``). Kept apart from ``compute`` so that the models can validate
without importing the computations (which read the models)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from enterprises.choices import ListingStage
from enterprises.models import Tier

from .choices import IndicatorKind, PopulationProperty

FLOW_FIELDS = {"output_value", "revenue", "main_business_revenue", "profit", "rd_expense", "export_revenue"}


def parse_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def validate_params(kind: str, params: dict) -> None:
    tiers = set(Tier.objects.values_list("code", flat=True))

    def need(key):
        if key not in params or params[key] in (None, ""):
            raise ValidationError({"params": _("Parameter “%(key)s” is required for this kind.") % {"key": key}})
        return params[key]

    def tier(key):
        code = need(key)
        if code not in tiers:
            raise ValidationError({"params": _("Unknown tier “%(code)s” in “%(key)s”.") % {"code": code, "key": key}})

    def date(key):
        try:
            parse_date(need(key))
        except ValueError:
            raise ValidationError({"params": _("“%(key)s” must be a date (YYYY-MM-DD).") % {"key": key}})

    if kind in (IndicatorKind.TITLE_COUNT_VALID, IndicatorKind.TITLE_COUNT_CUMULATIVE):
        tier("tier")
    elif kind == IndicatorKind.POPULATION_SHARE:
        if "population_min_tier" in params:
            tier("population_min_tier")
        prop = need("property")
        if prop not in PopulationProperty.values:
            raise ValidationError({"params": _("Unknown property “%(p)s”.") % {"p": prop}})
    elif kind == IndicatorKind.COHORT_RATIO:
        if need("field") not in FLOW_FIELDS:
            raise ValidationError(
                {"params": _("“field” must be one of %(f)s.") % {"f": ", ".join(sorted(FLOW_FIELDS))}}
            )
        tier("cohort_tier")
        date("cohort_date")
        need("base_year")
    elif kind == IndicatorKind.EVENT_COUNT:
        date("since")
        stages = need("stages")
        if not isinstance(stages, list) or any(s not in ListingStage.values for s in stages):
            raise ValidationError({"params": _("“stages” must be a list of listing stages.")})
        if "min_tier" in params:
            tier("min_tier")

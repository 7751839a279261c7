"""Criteria and calendar as reference data: loaded idempotently, versioned without overlap, rows
validated; the nightly job is scheduled and discovered by Celery."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from enterprises.models import (
    ApplicationWindow,
    CriteriaSet,
    Criterion,
    DataUpdateDeadline,
    ScoreDimension,
    Tier,
)

pytestmark = pytest.mark.django_db


def test_fixtures_load_again_without_duplicates():
    counts = (
        CriteriaSet.objects.count(),
        Criterion.objects.count(),
        ScoreDimension.objects.count(),
        DataUpdateDeadline.objects.count(),
        ApplicationWindow.objects.count(),
    )
    call_command("load_reference_data", verbosity=0)
    assert counts == (
        CriteriaSet.objects.count(),
        Criterion.objects.count(),
        ScoreDimension.objects.count(),
        DataUpdateDeadline.objects.count(),
        ApplicationWindow.objects.count(),
    )
    assert CriteriaSet.objects.filter(venue="").count() == 6  # the tiers' sets
    assert CriteriaSet.objects.exclude(venue="").count() == 3  # listing venues' entry conditions (issue 22)


def test_every_set_has_a_source_and_2026_sets_are_marked_unverified():
    for cs in CriteriaSet.objects.all():
        assert cs.source_document
        cs.full_clean()
    for cs in CriteriaSet.objects.filter(effective_from__gte=dt.date(2026, 1, 1)):
        # said in Chinese (未核实 / 未逐项核实), never in English on the criteria page
        assert not cs.verified and re.search("未(逐项)?核实", cs.note) and "unverified" not in cs.note
    for criterion in Criterion.objects.select_related("dimension", "criteria_set"):
        criterion.full_clean()


def test_criteria_sets_switch_on_2026_04_01():
    provincial = Tier.objects.get(code="provincial")
    assert CriteriaSet.objects.for_tier(provincial, dt.date(2026, 3, 31)).code == "provincial-2022"
    assert CriteriaSet.objects.for_tier(provincial, dt.date(2026, 4, 1)).code == "provincial-2026"
    assert CriteriaSet.objects.for_tier("provincial", dt.date(2022, 7, 31)) is None
    assert CriteriaSet.objects.for_tier("municipal", dt.date(2026, 6, 1)) is None


def test_overlapping_set_of_the_same_tier_is_refused():
    overlapping = CriteriaSet(
        code="provincial-x",
        tier=Tier.objects.get(code="provincial"),
        name="重叠",
        effective_from=dt.date(2025, 1, 1),
        effective_to=dt.date(2027, 1, 1),
        source_document="x",
    )
    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()
    assert "effective_from" in error.value.error_dict


def test_band_rows_are_validated():
    cs = CriteriaSet.objects.get(code="innovative-2022")
    band = Criterion(criteria_set=cs, code="x", name="x", kind="band", figure="rd_ratio", operator="lte")
    with pytest.raises(ValidationError) as error:
        band.full_clean()
    assert {"points", "dimension", "item", "operator", "threshold"} <= set(error.value.error_dict)
    threshold = Criterion(
        criteria_set=cs, code="y", name="y", kind="threshold", figure="revenue", threshold=Decimal("1")
    )
    threshold.full_clean()


def test_deadlines_are_30_april_then_31_may_from_2026():
    assert DataUpdateDeadline.objects.get(year=2025).deadline == dt.date(2025, 4, 30)
    assert DataUpdateDeadline.objects.get(year=2026).deadline == dt.date(2026, 5, 31)
    assert DataUpdateDeadline.objects.get(year=2026).data_year == 2025


def test_nightly_job_is_scheduled_and_discovered():
    from jiangmen_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["enterprises-refresh-review-calendar"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks

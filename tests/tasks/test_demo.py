import datetime as dt
import io
import random

import pytest

from tasks import demo
from tasks.models import ProgressReport, Reminder, ReportTransition

pytestmark = pytest.mark.django_db


def test_demo_seed_is_deterministic_varied_and_skips_when_present(django_assert_max_num_queries):
    out = io.StringIO()
    with django_assert_max_num_queries(40):
        demo.seed(rng=random.Random(7), today=dt.date(2025, 5, 20), stdout=out)
    statuses = set(ProgressReport.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "accepted"}
    assert ProgressReport.objects.filter(is_late=True).exists()
    assert set(ProgressReport.objects.values_list("period__code", flat=True)) == {
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
    }
    assert ReportTransition.objects.count() >= ProgressReport.objects.count()
    assert Reminder.objects.exists()
    first = list(ProgressReport.objects.order_by("id").values_list("task_id", "department_id", "county_id", "status"))
    demo.seed(rng=random.Random(7), today=dt.date(2025, 5, 20), stdout=out)
    assert "skipped" in out.getvalue()
    assert ProgressReport.objects.count() == len(first)
    ProgressReport.objects.all().delete()
    Reminder.objects.all().delete()
    demo.seed(rng=random.Random(7), today=dt.date(2025, 5, 20), stdout=out)
    assert (
        list(ProgressReport.objects.order_by("id").values_list("task_id", "department_id", "county_id", "status"))
        == first
    )

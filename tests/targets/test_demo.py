import datetime as dt
import io
import random
from decimal import Decimal

import pytest

from enterprises.models import Enterprise
from targets import demo
from targets.models import Allocation, ManualValue, Snapshot
from tests import factories

pytestmark = pytest.mark.django_db


def test_seed_is_deterministic_and_idempotent():
    for i in range(6):
        enterprise = factories.make_enterprise("440781" if i % 2 else "440783", is_demo=True)
        factories.make_title(enterprise, "provincial", dt.date(2024, 3, 1))
        factories.make_statistic(enterprise, 2024, 4, output_value=Decimal(100))
    today = dt.date(2025, 10, 15)
    demo.seed(rng=random.Random(1), today=today, stdout=io.StringIO())
    # reported values dated after "today" are left out: brands 2024, market share 2023 and 2024
    counts = (Allocation.objects.count(), ManualValue.objects.count(), Snapshot.objects.count())
    assert counts[0] > 0 and counts[1] == 3 and counts[2] == 9  # today + 2023Q4, 2024Q1…Q4, 2025Q1…Q3
    demo.seed(rng=random.Random(1), today=today, stdout=io.StringIO())
    assert (Allocation.objects.count(), ManualValue.objects.count(), Snapshot.objects.count()) == counts
    assert Enterprise.objects.count() == 6

import datetime as dt
import io
import random

import pytest
from django.utils import timezone

from enterprises.dynamics import demo as demo_dynamics
from enterprises.models import DynamicsAlert, ReserveEntry, TitleReview
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_seed_creates_reviews_and_reserve_entries_once():
    today = timezone.localdate()
    for i in range(12):
        e = factories.make_enterprise(
            "440781" if i % 2 else "440783", is_demo=True, established_on=dt.date(2012, 1, 1), niche_market="精密部件"
        )
        until = today + dt.timedelta(days=10 + i * 5) if i < 6 else today - dt.timedelta(days=60 + i * 10)
        factories.make_title(e, "innovative", until - dt.timedelta(days=1000), valid_until=until)
        factories.make_title(e, "innovative", today - dt.timedelta(days=300))
        for year, revenue in ((today.year - 1, 5000), (today.year - 2, 4500), (today.year - 3, 4000)):
            factories.make_annual(
                e,
                year,
                revenue=revenue,
                main_business_revenue=revenue * 9 // 10,
                profit=600,
                total_assets=4000,
                total_liabilities=1600,
                rd_expense=600,
                employees=100,
                rd_staff=25,
                class1_ip=5,
                digital_level=3,
                fills_tech_gap=True,
            )
        factories.make_rd_institution(e, "national-etc")
    out = io.StringIO()
    demo_dynamics.seed(rng=random.Random(7), today=today, stdout=out)
    assert TitleReview.objects.exists()
    assert ReserveEntry.objects.filter(year=today.year).count() >= 2
    assert DynamicsAlert.objects.exists()
    counts = (TitleReview.objects.count(), ReserveEntry.objects.count())
    demo_dynamics.seed(rng=random.Random(7), today=today, stdout=out)
    assert (TitleReview.objects.count(), ReserveEntry.objects.count()) == counts
    assert "already seeded" in out.getvalue()

"""The ledger on the responsibility matrix's task pages: what each unit granted in the period under
the task's policies, worked out by hand, scoped like the ledger.

Period 2026Q1 (2026-01-01 – 2026-03-31); policy P serves task T1, policy Q serves T2 only:

- 台山 A: 市科技局, P, 10 万元, 2026-02-01 → counted
- 开平 B: 市科技局, P, 4.5 万元, 2026-03-31 (last day) → counted
- 台山 A: 市工业和信息化局, P, 5 万元, 2026-01-01 (first day) → counted
- 台山 A: 市科技局, P, 7 万元, 2026-04-01 → next quarter, not counted
- 台山 A: 市科技局, Q, 20 万元, 2026-02-01 → another task, not counted
- 台山 A: 市科技局, 人才奖励 (outside the library), 3 万元, 2026-02-01 → serves no task

City: 市工业和信息化局 (sort 1) 1 support 5; 市科技局 (sort 2) 2 supports 14.5; total 3, 19.5.
台山's county official: 市工业和信息化局 1 / 5, 市科技局 1 / 10; total 2, 15.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Department
from policies.models import Policy, SupportGrant, SupportType
from policies.selectors import task_support
from tasks.models import KeyTask
from tests import factories

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


@pytest.fixture
def world(db):
    kjj, miit = Department.objects.get(code="kjj"), Department.objects.get(code="miit")
    t1, t2 = KeyTask.objects.order_by("sort_order")[:2]
    kind = SupportType.objects.get(code="fund-award")
    p = Policy.objects.create(title="P", issuing_department=kjj, support_type=kind, valid_from=dt.date(2026, 1, 1))
    q = Policy.objects.create(title="Q", issuing_department=kjj, support_type=kind, valid_from=dt.date(2026, 1, 1))
    p.tasks.set([t1])
    q.tasks.set([t2])
    a = factories.make_enterprise("440781", name="台山甲")
    b = factories.make_enterprise("440783", name="开平乙")

    def grant(e, dept, amount, day, **extra):
        SupportGrant.objects.create(
            enterprise=e, department=dept, support_type=kind, amount=Decimal(amount), granted_on=day, **extra
        )

    grant(a, kjj, "10", dt.date(2026, 2, 1), policy=p)
    grant(b, kjj, "4.5", dt.date(2026, 3, 31), policy=p)
    grant(a, miit, "5", dt.date(2026, 1, 1), policy=p)
    grant(a, kjj, "7", dt.date(2026, 4, 1), policy=p)
    grant(a, kjj, "20", dt.date(2026, 2, 1), policy=q)
    grant(a, kjj, "3", dt.date(2026, 2, 1), policy_text="人才奖励")
    return t1, kjj, miit


def test_support_per_unit_in_the_period_by_hand(world, city_operator, taishan_official):
    t1, kjj, miit = world
    city = task_support(city_operator, t1, *Q1)
    assert [(r["department_id"], r["count"], r["amount"]) for r in city.rows] == [
        (miit.pk, 1, Decimal("5.00")),
        (kjj.pk, 2, Decimal("14.50")),
    ]
    assert (city.count, city.amount) == (3, Decimal("19.50"))
    county = task_support(taishan_official, t1, *Q1)
    assert [(r["department_id"], r["count"], r["amount"]) for r in county.rows] == [
        (miit.pk, 1, Decimal("5.00")),
        (kjj.pk, 1, Decimal("10.00")),
    ]
    assert (county.count, county.amount) == (2, Decimal("15.00"))


def test_task_page_shows_the_support(client, world, city_operator, taishan_official):
    t1, _kjj, _miit = world
    url = reverse("tasks:task_detail", args=[t1.code]) + "?period=2026Q1"
    client.force_login(city_operator)
    page = client.get(url).content.decode()
    assert 'id="task-support-amount">19.50<' in page and "市工业和信息化局" in page
    client.force_login(taishan_official)
    page = client.get(url).content.decode()
    assert 'id="task-support-amount">15<' in page

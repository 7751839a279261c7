"""The support ledger on a key task's page: what each unit granted in the reporting period under
the policies that serve the task, worked out by hand; a county official sees her county's grants.

Task 2-1, period 2025Q3 (2025-07-01 – 2025-09-30). Policy 甲 serves task 2-1, policy 乙 does not.
- 市科技局 grants 50 to 台山 A on 2025-07-15 and 30 to 开平 B on 2025-09-30 under 甲;
- 市发改局 grants 20 to 台山 A on 2025-08-01 under 甲;
- left out: 40 to A under 甲 on 2025-10-01 (next period) and 60 to A under 乙 on 2025-08-01.
City operator: 科技局 2 enterprises, 2 grants, 80.00; 发改局 1, 1, 20.00; total 2 enterprises
(A counted once), 3 grants, 100.00. 台山 official: 科技局 1, 1, 50.00; 发改局 1, 1, 20.00;
total 1, 2, 70.00."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Department
from policies.models import SupportGrant, SupportType
from tasks.models import KeyTask
from tests import factories

from .test_matching import make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(db):
    task = KeyTask.objects.get(code="2-1")
    serving = make_policy(title="甲：研发投入奖补")
    serving.tasks.add(task)
    other = make_policy(title="乙：展会补贴")
    a = factories.make_enterprise("440781", name="台山甲有限公司")
    b = factories.make_enterprise("440783", name="开平乙有限公司")
    kjj, fgj = Department.objects.get(code="kjj"), Department.objects.get(code="fgj")
    fund = SupportType.objects.get(code="fund-award")

    def grant(enterprise, policy, department, amount, day):
        SupportGrant.objects.create(
            enterprise=enterprise,
            policy=policy,
            department=department,
            support_type=fund,
            amount=Decimal(amount),
            granted_on=day,
        )

    grant(a, serving, kjj, "50", dt.date(2025, 7, 15))
    grant(b, serving, kjj, "30", dt.date(2025, 9, 30))
    grant(a, serving, fgj, "20", dt.date(2025, 8, 1))
    grant(a, serving, kjj, "40", dt.date(2025, 10, 1))
    grant(a, other, kjj, "60", dt.date(2025, 8, 1))
    return task


def _panel(client, user):
    client.force_login(user)
    response = client.get("/tasks/2-1/?period=2025Q3")
    assert response.status_code == 200
    panels = [p for p in response.context["panels"] if "扶持" in p.title]
    assert len(panels) == 1
    return panels[0], response.content.decode()


def test_city_operator_sees_every_unit_in_the_period(client, ledger, city_operator):
    panel, html = _panel(client, city_operator)
    assert panel.rows == (("市科技局", "2", "2", "80.00"), ("市发展改革局", "1", "1", "20.00"))
    assert panel.total == ("合计", "2", "3", "100.00")
    assert "100.00" in html and "2025年第3季度" in panel.title


def test_county_official_sees_her_countys_grants(client, ledger, taishan_official):
    panel, html = _panel(client, taishan_official)
    assert panel.rows == (("市科技局", "1", "1", "50.00"), ("市发展改革局", "1", "1", "20.00"))
    assert panel.total == ("合计", "1", "2", "70.00")
    assert "80.00" not in html and "30.00" not in html


def test_a_period_without_grants_says_so(client, ledger, city_operator):
    client.force_login(city_operator)
    response = client.get("/tasks/2-1/?period=2025Q1")
    panel = next(p for p in response.context["panels"] if "扶持" in p.title)
    assert panel.rows == () and panel.total is None
    assert panel.empty in response.content.decode()

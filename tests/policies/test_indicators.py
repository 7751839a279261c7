"""The ledger's indicators worked out by hand, and who reads which grants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Department
from policies.models import Policy, SupportGrant, SupportIndicator, SupportType
from policies.selectors import indicator_value
from tasks.models import KeyTask
from tests import factories

YEAR = 2026
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def ledger(db):
    """台山: P1 provincial, P2 national, I1 innovative; 开平: P3 provincial; 鹤山: P4 provincial but
    deregistered (left out). Grants of 2026: P1 贷款贴息 10 (市科技局, policy serving two tasks),
    P1 技术改造 5 (市工信局, outside the library), I1 人才 3 (市科技局); 2025: P2 资金奖补 7."""
    e = {
        "P1": factories.make_enterprise("440781", name="一号"),
        "P2": factories.make_enterprise("440781", name="二号"),
        "I1": factories.make_enterprise("440781", name="三号"),
        "P3": factories.make_enterprise("440783", name="四号"),
        "P4": factories.make_enterprise("440784", name="五号", status="deregistered"),
    }
    for key, tier in [
        ("P1", "provincial"),
        ("P2", "national"),
        ("I1", "innovative"),
        ("P3", "provincial"),
        ("P4", "provincial"),
    ]:
        factories.make_title(e[key], tier, dt.date(2025, 3, 1))
    kjj, miit = Department.objects.get(code="kjj"), Department.objects.get(code="miit")
    t = {s.code: s for s in SupportType.objects.all()}
    policy = Policy.objects.create(
        title="贴息政策", issuing_department=kjj, support_type=t["loan-interest"], valid_from=dt.date(2026, 1, 1)
    )
    tasks = list(KeyTask.objects.order_by("sort_order")[:2])
    policy.tasks.set(tasks)

    def grant(key, dept, st, amount, day, **extra):
        return SupportGrant.objects.create(
            enterprise=e[key], department=dept, support_type=t[st], amount=Decimal(amount), granted_on=day, **extra
        )

    grant("P1", kjj, "loan-interest", "10", dt.date(2026, 3, 1), policy=policy)
    grant("P1", miit, "tech-upgrade", "5", dt.date(2026, 4, 1), policy_text="省技改专项")
    grant("I1", kjj, "talent", "3", dt.date(2026, 5, 1), policy_text="人才奖励")
    grant("P2", kjj, "fund-award", "7", dt.date(2025, 12, 1), policy_text="去年奖补")
    return e, tasks


def test_share_of_provincial_and_above_supported(ledger, city_operator, taishan_official):
    indicator = SupportIndicator.objects.get(code="share-supported-provincial")
    # City: provincial-or-above operating: P1, P2, P3 = 3; supported in 2026: P1 = 1 → 33.3 %.
    value = indicator_value(city_operator, indicator, YEAR, AS_OF)
    assert (value.numerator, value.denominator, value.percent) == (1, 3, Decimal("33.3"))
    # 台山 official: P1, P2 → 1 of 2 = 50 %.
    value = indicator_value(taishan_official, indicator, YEAR, AS_OF)
    assert (value.numerator, value.denominator, value.percent) == (1, 2, Decimal("50.0"))


def test_amounts_by_type_unit_county_and_task(ledger, city_operator):
    _, tasks = ledger

    def rows(code):
        return indicator_value(city_operator, SupportIndicator.objects.get(code=code), YEAR, AS_OF).rows

    # 2026 only: 10 + 5 + 3 = 18; the 2025 grant of 7 is left out.
    assert {g: (a, n) for g, a, n in rows("amount-by-type")} == {
        "贷款贴息": (Decimal("10"), 1),
        "技术改造": (Decimal("5"), 1),
        "人才": (Decimal("3"), 1),
    }
    assert {g: (a, n) for g, a, n in rows("amount-by-unit")} == {
        "江门市科学技术局": (Decimal("13"), 2),  # 10 + 3
        "江门市工业和信息化局": (Decimal("5"), 1),
    }
    assert {g: (a, n) for g, a, n in rows("amount-by-county")} == {"台山市": (Decimal("18"), 3)}
    # The library policy serves two tasks: its 10 counts under each; the two others are unlinked (5 + 3).
    by_task = {g: (a, n) for g, a, n in rows("amount-by-task")}
    assert by_task == {
        tasks[0].number: (Decimal("10"), 1),
        tasks[1].number: (Decimal("10"), 1),
        "未关联任务": (Decimal("8"), 2),
    }


def test_ledger_reads_by_county(ledger, kaiping_official, department_user, viewer, client):
    # 开平 has no grant; the 台山 ones are not visible to its official.
    assert not SupportGrant.objects.for_user(kaiping_official).exists()
    assert SupportGrant.objects.for_user(viewer).count() == 4
    # The department user reads all and changes its own unit's only (市科技局: 3 of the 4).
    assert SupportGrant.objects.for_user(department_user).count() == 4
    assert SupportGrant.objects.for_user(department_user, "change").count() == 3
    client.force_login(kaiping_official)
    page = client.get("/policies/ledger/").content.decode()
    assert "一号" not in page
    client.force_login(viewer)
    response = client.get("/policies/indicators/?year=2026")
    assert response.status_code == 200 and "33.3%" in response.content.decode()

"""Escalation to the department's lead: a department user marked as leading the unit (by the security
administrator) gets a to-do for the unit's overdue requests the beat job escalated; the unit's other
users and another unit's lead do not; a closed request leaves the count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import Role
from accounts.services import user_grant
from core.workbench import collect
from support.services import accept_request, close_request, create_request, flag_deadlines, reply_request
from tests import factories

pytestmark = pytest.mark.django_db

FRI_13_FEB = dt.date(2026, 2, 13)
LABEL = "已升级督办的本单位超期诉求"


def _lead_todo(user, today):
    return next((t for t in collect("todos", user, today) if t.label == LABEL), None)


def test_the_units_lead_sees_its_escalated_requests(taishan_official, taishan_enterprise, finance, jrj_user):
    security = factories.make_user(Role.SECURITY_ADMIN, username="sec")
    lead = factories.make_user(Role.DEPARTMENT_USER, department_code="jrj", username="jrj_lead")
    user_grant(actor=security, user=lead, role=Role.DEPARTMENT_USER, department=lead.department, unit_lead=True)
    other_lead = factories.make_user(Role.DEPARTMENT_USER, department_code="swj", username="swj_lead")
    user_grant(
        actor=security, user=other_lead, role=Role.DEPARTMENT_USER, department=other_lead.department, unit_lead=True
    )
    lead.refresh_from_db()
    other_lead.refresh_from_db()
    assert lead.is_unit_lead and other_lead.is_unit_lead

    def late(text, received):
        return create_request(
            actor=taishan_official,
            enterprise=taishan_enterprise,
            category=finance,
            description=text,
            received_on=received,
        )[0]

    # accepted within 1 working day: received Tue 10 Feb, due Wed 11 Feb → overdue on Fri 13 Feb.
    first, second = late("一", dt.date(2026, 2, 10)), late("二", dt.date(2026, 2, 9))
    late("三", FRI_13_FEB)  # due Sat 14 Feb (调休): due soon, not escalated
    flag_deadlines(today=FRI_13_FEB)
    flag_deadlines(today=FRI_13_FEB)  # idempotent: still one notice each

    todo = _lead_todo(lead, FRI_13_FEB)
    assert todo is not None and todo.count == 2 and todo.urgent
    assert _lead_todo(jrj_user, FRI_13_FEB) is None  # the unit's other users: their own overdue to-do only
    assert _lead_todo(other_lead, FRI_13_FEB) is None  # another unit's lead

    # the unit answers and closes one: it leaves the lead's count
    accept_request(actor=jrj_user, request=second)
    reply_request(actor=jrj_user, request=second, text="已对接银行")
    close_request(actor=jrj_user, request=second, text="已放款")
    todo = _lead_todo(lead, FRI_13_FEB)
    assert todo is not None and todo.count == 1
    assert first.pk  # the other stays escalated


def test_only_a_department_user_leads_a_unit(db):
    security = factories.make_user(Role.SECURITY_ADMIN, username="sec")
    official = factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781", username="ts")
    user_grant(actor=security, user=official, role=Role.COUNTY_OFFICIAL, county=official.county, unit_lead=True)
    official.refresh_from_db()
    assert official.is_unit_lead is False
    official.is_unit_lead = True
    with pytest.raises(ValidationError):
        official.full_clean(exclude=["password"])

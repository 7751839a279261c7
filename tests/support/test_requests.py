"""Requests (诉求): routing by category, deadlines in working days across the Spring Festival with its
调休 Saturdays, the life cycle (transfer, return, suspend, reopen after 不满意), escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Department
from support.choices import NoticeKind, RequestAction, RequestStatus, Satisfaction, Stage
from support.models import CalendarOverride, RequestCategory, RequestNotice
from support.services import (
    accept_request,
    close_request,
    create_request,
    flag_deadlines,
    rate_request,
    reply_request,
    resubmit_request,
    resume_request,
    return_request,
    suspend_request,
    transfer_request,
)
from support.workdays import WorkCalendar

pytestmark = pytest.mark.django_db

# 2026 Spring Festival (State Council schedule): days off Sun 15 Feb – Mon 23 Feb; Sat 14 Feb and
# Sat 28 Feb are 调休 make-up working days.
FRI_13_FEB = dt.date(2026, 2, 13)


def test_routing_by_category_names_the_lead_department(taishan_official, taishan_enterprise):
    for code, lead in [("finance", "jrj"), ("land", "zrzyj"), ("tax", "tax"), ("market", "swj")]:
        request, created = create_request(
            actor=taishan_official,
            enterprise=taishan_enterprise,
            category=RequestCategory.objects.get(code=code),
            description="测试诉求",
        )
        assert created and request.department.code == lead
        assert request.county_id == taishan_enterprise.county_id


def test_deadlines_count_working_days_across_the_spring_festival(taishan_official, taishan_enterprise, finance):
    request, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="贷款",
        received_on=FRI_13_FEB,
    )
    # Accept within 1 working day: the next day, Sat 14 Feb, is a 调休 working day.
    assert request.accept_due == dt.date(2026, 2, 14)
    # First reply within 5: 14 Feb (1), 15–23 Feb off, 24 (2), 25 (3), 26 (4), 27 (5).
    assert request.reply_due == dt.date(2026, 2, 27)
    # Close within 15: … 27 Feb (5), Sat 28 Feb 调休 (6), 2 Mar (7) … 6 Mar (11), 9 (12), 10 (13), 11 (14), 12 (15).
    assert request.close_due == dt.date(2026, 3, 12)


def test_an_override_changes_the_calendar(taishan_official, taishan_enterprise, finance):
    CalendarOverride.objects.create(date=dt.date(2026, 2, 24), is_workday=False, note="local day off")
    request, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="贷款",
        received_on=FRI_13_FEB,
    )
    # 14 Feb (1), 24 Feb now off, 25 (2), 26 (3), 27 (4), Sat 28 调休 (5).
    assert request.reply_due == dt.date(2026, 2, 28)


def test_deadline_numbers_are_data(taishan_official, taishan_enterprise, finance):
    finance.accept_days = 3
    finance.save()
    request, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="贷款",
        received_on=FRI_13_FEB,
    )
    # 14 Feb (1), 24 Feb (2), 25 Feb (3).
    assert request.accept_due == dt.date(2026, 2, 25)


def test_full_life_cycle_with_reopen_once(taishan_official, taishan_enterprise, finance, jrj_user):
    request, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="贷款",
        received_on=FRI_13_FEB,
    )
    accept_request(actor=jrj_user, request=request, today=dt.date(2026, 2, 14))
    reply_request(actor=jrj_user, request=request, text="已对接银行", today=dt.date(2026, 2, 25))
    request = close_request(actor=jrj_user, request=request, today=dt.date(2026, 2, 26))
    assert request.status == RequestStatus.CLOSED
    request = rate_request(
        actor=taishan_official, request=request, satisfaction=Satisfaction.DISSATISFIED, today=dt.date(2026, 3, 2)
    )
    # Reopened once: in progress again, closing due 15 working days after Mon 2 Mar: 3–6 Mar (4),
    # 9–13 (9), 16–20 (14), 23 Mar (15).
    assert (request.status, request.reopen_count, request.close_due) == (
        RequestStatus.IN_PROGRESS,
        1,
        dt.date(2026, 3, 23),
    )
    reply_request(actor=jrj_user, request=request, text="再次答复")
    close_request(actor=jrj_user, request=request)
    request = rate_request(actor=taishan_official, request=request, satisfaction=Satisfaction.DISSATISFIED)
    assert request.status == RequestStatus.CLOSED  # a second 不满意 does not reopen it
    actions = list(request.events.values_list("action", flat=True))
    assert actions == [
        RequestAction.CREATE,
        RequestAction.ACCEPT,
        RequestAction.REPLY,
        RequestAction.CLOSE,
        RequestAction.RATE,
        RequestAction.REOPEN,
        RequestAction.REPLY,
        RequestAction.CLOSE,
        RequestAction.RATE,
    ]


def test_transfer_and_return(taishan_official, taishan_enterprise, finance, jrj_user, swj_user):
    request, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="贷款",
        received_on=FRI_13_FEB,
    )
    with pytest.raises(ValidationError):
        transfer_request(actor=jrj_user, request=request, department=Department.objects.get(code="swj"), text="")
    with pytest.raises(PermissionDenied):  # not the handling department
        accept_request(actor=swj_user, request=request)
    request = transfer_request(
        actor=jrj_user,
        request=request,
        department=Department.objects.get(code="swj"),
        text="属市场开拓",
        today=dt.date(2026, 2, 24),
    )
    # The new department accepts within 1 working day of the transfer (Tue 24 Feb → Wed 25 Feb).
    assert (request.department.code, request.transferred_from.code, request.accept_due) == (
        "swj",
        "jrj",
        dt.date(2026, 2, 25),
    )
    with pytest.raises(PermissionDenied):  # the old department no longer handles it
        accept_request(actor=jrj_user, request=request)
    request = return_request(actor=swj_user, request=request, text="请补充订单情况")
    assert request.status == RequestStatus.RETURNED
    request = resubmit_request(actor=taishan_official, request=request, text="订单已补充", today=dt.date(2026, 2, 27))
    assert (request.status, request.accept_due) == (RequestStatus.PENDING, dt.date(2026, 2, 28))
    last = request.events.last()
    assert (last.action, last.actor, last.text) == (RequestAction.RESUBMIT, taishan_official, "订单已补充")


def test_suspension_stops_the_clock(taishan_official, taishan_enterprise, finance, jrj_user):
    request, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="贷款",
        received_on=FRI_13_FEB,
    )
    accept_request(actor=jrj_user, request=request, today=dt.date(2026, 2, 14))
    with pytest.raises(ValidationError):
        suspend_request(actor=jrj_user, request=request, text=" ")
    suspend_request(actor=jrj_user, request=request, text="等待银行审批", today=dt.date(2026, 2, 24))
    request = resume_request(actor=jrj_user, request=request, today=dt.date(2026, 2, 27))
    # Suspended Tue 24 → Fri 27 Feb: 25, 26, 27 = 3 working days; reply due 27 Feb + 3 = Sat 28 (调休),
    # 2 Mar, 3 Mar; close due 12 Mar + 3 = 13, 16, 17 Mar.
    assert (request.status, request.reply_due, request.close_due) == (
        RequestStatus.IN_PROGRESS,
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 17),
    )


def test_beat_job_flags_due_and_escalates_overdue(taishan_official, taishan_enterprise, finance, jrj_user):
    due, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="一",
        received_on=FRI_13_FEB,
    )
    late, _ = create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=finance,
        description="二",
        received_on=dt.date(2026, 2, 10),
    )
    # On Fri 13 Feb: ``due`` must be accepted by Sat 14 (the next working day): due soon;
    # ``late`` had to be accepted by Wed 11 Feb: overdue, escalated to the city.
    result = flag_deadlines(today=FRI_13_FEB)
    assert result["created"] == 2
    notices = {n.request_id: n for n in RequestNotice.objects.all()}
    assert (notices[due.pk].kind, notices[due.pk].stage, notices[due.pk].escalated_to_city) == (
        NoticeKind.DUE,
        Stage.ACCEPT,
        False,
    )
    assert (notices[late.pk].kind, notices[late.pk].department.code, notices[late.pk].escalated_to_city) == (
        NoticeKind.OVERDUE,
        "jrj",
        True,
    )
    assert flag_deadlines(today=FRI_13_FEB)["created"] == 0  # idempotent
    assert RequestNotice.objects.for_user(jrj_user).count() == 2


def test_working_days_between():
    calendar = WorkCalendar(overrides={})
    # After Fri 13 Feb up to Tue 24 Feb 2026: Sat 14 (调休) and Tue 24 = 2.
    assert calendar.working_days_between(FRI_13_FEB, dt.date(2026, 2, 24)) == 2

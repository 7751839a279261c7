"""Figures worked out by hand on a small dataset, and who sees and changes which request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.choices import Role
from accounts.models import Department
from support.choices import RequestStatus, Satisfaction
from support.models import EnterpriseRequest, RequestCategory
from support.selectors import figures_with_total, request_figures
from support.services import accept_request, assign_commissioner, create_request
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 20)  # a Friday
D = dt.date


def make_request(enterprise, category_code="finance", department_code="jrj", **fields):
    return EnterpriseRequest.objects.create(
        enterprise=enterprise,
        county_id=enterprise.county_id,
        category=RequestCategory.objects.get(code=category_code),
        department=Department.objects.get(code=department_code),
        description="测试",
        **fields,
    )


@pytest.fixture
def dataset(taishan_enterprise, kaiping_enterprise):
    # Deadlines as the working-day calendar gives them (1 / 5 / 15 working days); March 2026 has no holiday.
    march = {"accept_due": D(2026, 3, 3), "reply_due": D(2026, 3, 9), "close_due": D(2026, 3, 23)}
    # Received Mon 2 Feb: accept 3 Feb, reply 9 Feb, close 28 Feb (across the Spring Festival, 调休 14 and 28 Feb).
    february = {"accept_due": D(2026, 2, 3), "reply_due": D(2026, 2, 9), "close_due": D(2026, 2, 28)}
    closed = RequestStatus.CLOSED
    e = taishan_enterprise
    return {
        "r1": make_request(e, received_on=D(2026, 3, 2), **march, status=closed, accepted_on=D(2026, 3, 3),
                           replied_on=D(2026, 3, 5), closed_on=D(2026, 3, 6), days_to_close=4,
                           satisfaction=Satisfaction.SATISFIED),
        "r2": make_request(e, received_on=D(2026, 3, 2), **march, status=closed, accepted_on=D(2026, 3, 4),
                           replied_on=D(2026, 3, 10), closed_on=D(2026, 3, 13), days_to_close=11,
                           satisfaction=Satisfaction.MOSTLY_SATISFIED),
        "r3": make_request(e, "market", "swj", received_on=D(2026, 3, 2), **march),
        "r4": make_request(e, received_on=D(2026, 2, 2), **february, status=RequestStatus.REPLIED,
                           accepted_on=D(2026, 2, 3), replied_on=D(2026, 2, 9)),
        "r5": make_request(kaiping_enterprise, received_on=TODAY, accept_due=D(2026, 3, 23),
                           reply_due=D(2026, 3, 27), close_due=D(2026, 4, 10)),
        "r6": make_request(e, received_on=D(2026, 2, 2), **february, status=closed, accepted_on=D(2026, 2, 3),
                           replied_on=D(2026, 2, 9), closed_on=D(2026, 3, 2), days_to_close=28,
                           satisfaction=Satisfaction.DISSATISFIED, reopen_count=1),
    }  # fmt: skip


def test_figures_by_hand(dataset, city_operator):
    [row] = request_figures(EnterpriseRequest.objects.for_user(city_operator), today=TODAY)
    # 响应率: counted = accepted or past the acceptance deadline: r1, r2, r3 (3 Mar passed), r4, r6 = 5
    # (r5 is due 23 Mar); in time: r1 (3 ≤ 3 Mar), r4, r6 (3 ≤ 3 Feb) = 3 (r2 accepted 4 Mar, late) → 3/5 = 60.0 %.
    assert (row.accept_counted, row.accepted_in_time, row.response_rate) == (5, 3, 60.0)
    # 按期办结率: counted = closed (r1, r2, r6) + open past the closing deadline (r4, 28 Feb) = 4;
    # in time: r1, r2 (≤ 23 Mar); r6 closed 2 Mar > 28 Feb → 2/4 = 50.0 %.
    assert (row.close_counted, row.closed_in_time, row.on_time_close_rate) == (4, 2, 50.0)
    # 满意率: rated r1 满意, r2 基本满意, r6 不满意 → 2/3 = 66.7 %.
    assert (row.rated, row.satisfied, row.satisfaction_rate) == (3, 2, 66.7)
    # Average days to close: (4 + 11 + 28) / 3 = 14.33 → 14.3.
    assert row.avg_days_to_close == 14.3
    # Open: r3, r4, r5 = 3; overdue: r3 (accept by 3 Mar), r4 (close by 28 Feb) = 2.
    assert (row.total, row.open, row.overdue) == (6, 3, 2)
    # The totals summed from the groups (what the page and the API show) are the same figures.
    for by in ("department", "county", "month"):
        summed, _ = figures_with_total(EnterpriseRequest.objects.for_user(city_operator), by=by, today=TODAY)
        assert (summed.response_rate, summed.on_time_close_rate, summed.satisfaction_rate) == (60.0, 50.0, 66.7)
        assert (summed.avg_days_to_close, summed.total, summed.open, summed.overdue) == (14.3, 6, 3, 2)


def test_figures_per_month_county_and_department(dataset, city_operator):
    requests = EnterpriseRequest.objects.for_user(city_operator)
    months = {r.label: r for r in request_figures(requests, by="month", today=TODAY)}
    # February: r4, r6; both accepted 3 Feb (in time) → 100 %; closing counted r6 (late) and r4 (overdue) → 0 %.
    assert (months["2026-02"].total, months["2026-02"].response_rate, months["2026-02"].on_time_close_rate) == (
        2,
        100.0,
        0.0,
    )
    assert months["2026-03"].total == 4
    counties = {r.label: r for r in request_figures(requests, by="county", today=TODAY)}
    # 开平: only r5, received today, nothing due yet: no rate.
    assert (counties["开平市"].total, counties["开平市"].open, counties["开平市"].response_rate) == (1, 1, None)
    departments = {r.label: r for r in request_figures(requests, by="department", today=TODAY)}
    # 市商务局: r3 only, pending past its acceptance deadline.
    assert (departments["市商务局"].total, departments["市商务局"].overdue) == (1, 1)


def test_figures_follow_the_users_scope(dataset, kaiping_official):
    [row] = request_figures(EnterpriseRequest.objects.for_user(kaiping_official), today=TODAY)
    assert row.total == 1


def test_who_sees_which_request(dataset, city_operator, viewer, taishan_official, kaiping_official):
    r = dataset
    jrj = factories.make_user(Role.DEPARTMENT_USER, department_code="jrj")
    nfra = factories.make_user(Role.DEPARTMENT_USER, department_code="nfra")  # co-department of 融资
    swj = factories.make_user(Role.DEPARTMENT_USER, department_code="swj")
    kjj = factories.make_user(Role.DEPARTMENT_USER, department_code="kjj")  # a commissioner

    def seen(user):
        return set(EnterpriseRequest.objects.for_user(user).values_list("pk", flat=True))

    everything = {x.pk for x in r.values()}
    assert seen(city_operator) == seen(viewer) == everything
    assert seen(taishan_official) == everything - {r["r5"].pk}
    assert seen(kaiping_official) == {r["r5"].pk}
    assert seen(jrj) == everything - {r["r3"].pk}  # every county, routed to 市金融局
    assert seen(nfra) == everything - {r["r3"].pk}  # co-department of 融资
    assert seen(swj) == {r["r3"].pk}
    assert seen(kjj) == set()
    assign_commissioner(actor=kaiping_official, enterprise=r["r5"].enterprise, commissioner=kjj)
    assert seen(kjj) == {r["r5"].pk}  # the enterprise it serves
    assert not EnterpriseRequest.objects.for_user(viewer, "change").exists()
    assert set(EnterpriseRequest.objects.for_user(nfra, "change").values_list("pk", flat=True)) == set()


def test_who_may_change_which_request(taishan_enterprise, kaiping_official, viewer, taishan_official, finance):
    request, _ = create_request(
        actor=taishan_official, enterprise=taishan_enterprise, category=finance, description="贷"
    )
    nfra = factories.make_user(Role.DEPARTMENT_USER, department_code="nfra")
    for user, error in [(viewer, PermissionDenied), (kaiping_official, PermissionDenied), (nfra, PermissionDenied)]:
        with pytest.raises(error):
            accept_request(actor=user, request=request)
    # Another county's official cannot record a request for the enterprise either (404: not disclosed).
    with pytest.raises(Http404):
        create_request(actor=kaiping_official, enterprise=taishan_enterprise, category=finance, description="贷")
    with pytest.raises(PermissionDenied):
        create_request(actor=viewer, enterprise=taishan_enterprise, category=finance, description="贷")
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING

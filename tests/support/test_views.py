"""The support pages: a visit raising a request, the department's steps, figures, assignment, and
that no page lets one county read or change another's requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import Department
from support.choices import RequestStatus
from support.models import CommissionerAssignment, EnterpriseRequest, Visit
from support.services import assign_commissioner, create_request
from tests import factories

pytestmark = pytest.mark.django_db


def test_visit_raises_a_request_handled_through_the_pages(
    client, taishan_official, taishan_enterprise, finance, jrj_user
):
    assign_commissioner(actor=taishan_official, enterprise=taishan_enterprise, commissioner=taishan_official)
    client.force_login(taishan_official)
    page = client.get(reverse("support:mine")).content.decode()
    assert taishan_enterprise.name in page and "从未走访" in page
    response = client.post(
        reverse("support:visit_create", args=[taishan_enterprise.pk]),
        {
            "visited_on": "2026-03-02",
            "form": "on_site",
            "participants": "张三",
            "orders": "订单饱满",
            "next_visit_on": "2026-06-01",
            "req-TOTAL_FORMS": "2",
            "req-INITIAL_FORMS": "0",
            "req-0-category": finance.pk,
            "req-0-description": "需要流动资金贷款",
            "req-0-urgency": "normal",
            "req-1-description": "",
            "req-1-urgency": "normal",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    request = EnterpriseRequest.objects.get()
    # Received on the visit day, Mon 2 Mar 2026: accept by Tue 3 Mar (1 working day).
    assert (request.visit, request.department.code, request.accept_due) == (visit, "jrj", dt.date(2026, 3, 3))

    client.force_login(jrj_user)
    detail = reverse("support:request_detail", args=[request.pk])
    assert "受理" in client.get(detail).content.decode()
    step = reverse("support:request_step", args=[request.pk])
    client.post(step, {"action": "accept", "version": request.version})
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    client.post(step, {"action": "reply", "text": "已对接银行", "version": request.version})
    request.refresh_from_db()
    assert request.status == RequestStatus.REPLIED
    client.post(step, {"action": "close", "version": request.version})
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED

    client.force_login(taishan_official)
    client.post(step, {"action": "rate", "satisfaction": "satisfied", "version": request.version})
    request.refresh_from_db()
    assert request.satisfaction == "satisfied"
    figures = client.get(reverse("support:figures")).content.decode()
    assert "满意率" in figures and "100.0%" in figures
    panel = client.get(reverse("enterprises:detail", args=[taishan_enterprise.pk])).content.decode()
    assert "support-panel" in panel and "融资" in panel


def test_a_stale_step_is_refused(client, taishan_official, taishan_enterprise, finance, jrj_user):
    request, _ = create_request(
        actor=taishan_official, enterprise=taishan_enterprise, category=finance, description="贷"
    )
    client.force_login(jrj_user)
    step = reverse("support:request_step", args=[request.pk])
    client.post(step, {"action": "accept", "version": request.version - 1 if request.version > 1 else 99})
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_another_county_cannot_read_or_change(client, taishan_official, kaiping_official, taishan_enterprise, finance):
    request, _ = create_request(
        actor=taishan_official, enterprise=taishan_enterprise, category=finance, description="贷"
    )
    client.force_login(kaiping_official)
    assert client.get(reverse("support:request_detail", args=[request.pk])).status_code == 404
    assert client.post(reverse("support:request_step", args=[request.pk]), {"action": "rate"}).status_code == 404
    assert client.get(reverse("support:visit_create", args=[taishan_enterprise.pk])).status_code == 404
    assert client.get(reverse("support:assign", args=[taishan_enterprise.pk])).status_code == 404
    assert taishan_enterprise.name not in client.get(reverse("support:request_list")).content.decode()


def test_viewer_reads_but_cannot_change(client, viewer, taishan_official, taishan_enterprise, finance):
    request, _ = create_request(
        actor=taishan_official, enterprise=taishan_enterprise, category=finance, description="贷"
    )
    client.force_login(viewer)
    assert client.get(reverse("support:request_detail", args=[request.pk])).status_code == 200
    assert client.post(reverse("support:request_step", args=[request.pk]), {"action": "accept"}).status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    assert client.get(reverse("support:assign", args=[taishan_enterprise.pk])).status_code == 403


def test_bulk_assignment_from_the_list_filters(client, taishan_official):
    ours = [factories.make_enterprise("440781", name=f"台山批量{i}有限公司") for i in range(3)]
    factories.make_enterprise("440783", name="开平批量有限公司")
    commissioner = factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781")
    client.force_login(taishan_official)
    url = reverse("support:bulk_assign") + "?q=批量"
    page = client.get(url).content.decode()
    assert "3" in page and "开平批量" not in page
    response = client.post(url, {"commissioner": commissioner.pk})
    assert response.status_code == 302
    assert set(CommissionerAssignment.objects.filter(is_current=True).values_list("enterprise_id", flat=True)) == {
        e.pk for e in ours
    }


def test_bad_visit_input_names_the_field_and_saves_nothing(client, taishan_official, taishan_enterprise):
    client.force_login(taishan_official)
    response = client.post(
        reverse("support:visit_create", args=[taishan_enterprise.pk]),
        {
            "visited_on": "2026-03-02",
            "form": "on_site",
            "next_visit_on": "2026-01-05",  # before the visit
            "req-TOTAL_FORMS": "1",
            "req-INITIAL_FORMS": "0",
            "req-0-description": "缺少类别的诉求",
            "req-0-urgency": "normal",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "请选择该诉求的类别" in page and "下次走访日期不能早于本次走访" in page
    assert not Visit.objects.exists() and not EnterpriseRequest.objects.exists()


def test_transfer_without_department_or_reason_changes_nothing(
    client, taishan_official, taishan_enterprise, finance, jrj_user
):
    request, _ = create_request(
        actor=taishan_official, enterprise=taishan_enterprise, category=finance, description="贷"
    )
    client.force_login(jrj_user)
    step = reverse("support:request_step", args=[request.pk])
    page = client.post(step, {"action": "transfer", "text": "属其他部门"}, follow=True).content.decode()
    assert "请选择转办的部门" in page
    swj = Department.objects.get(code="swj")
    page = client.post(step, {"action": "transfer", "department": swj.pk, "text": ""}, follow=True).content.decode()
    assert "请填写理由" in page
    request.refresh_from_db()
    assert request.department.code == "jrj" and request.events.count() == 1

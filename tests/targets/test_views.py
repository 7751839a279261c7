"""Dashboards and forms: who sees what, drill-down links, recompute now, bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.choices import Role
from accounts.models import Place
from core.models import JobStatus
from targets import services
from targets.models import Allocation, Indicator, ManualValue, Plan, RecomputeRun
from tests import factories

from .conftest import D, K, T

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(dataset):
    services.allocations_ensure_defaults()
    return services.snapshot_compute(plan=Plan.objects.get(), as_of=D)


def login(client, user):
    client.force_login(user)
    return client


def test_home_links_to_the_dashboard(client, viewer):
    login(client, viewer)
    assert reverse("targets:dashboard") in client.get("/").content.decode()


def test_city_dashboard_shows_every_indicator(client, city_operator, snapshot, django_assert_max_num_queries):
    login(client, city_operator)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("targets:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    for indicator in Indicator.objects.filter(is_active=True):
        assert indicator.name in html
        assert indicator.definition[:30] in html
    assert "2025-06-30" in html
    assert 'id="county-map"' in html and 'id="map-data"' in html
    # drill-down to the enterprise list with the same filters
    assert "/enterprises/?ever_tier=provincial&amp;on=2025-06-30" in html
    assert "<script>" not in html.replace("<script src=", "")  # no inline scripts (CSP)
    assert not re.search(r"https?://", re.sub(r'xmlns="[^"]*"', "", html))


def test_dashboard_without_snapshot(client, viewer, city_operator):
    login(client, viewer)
    response = client.get(reverse("targets:dashboard"))
    assert response.status_code == 200
    assert "尚未计算数据。" in response.content.decode()
    login(client, city_operator)
    assert "尚未计算数据：请点击“立即重新计算”。" in client.get(reverse("targets:dashboard")).content.decode()


def test_county_official_sees_only_her_county(client, taishan_official, snapshot):
    login(client, taishan_official)
    response = client.get(reverse("targets:dashboard"))
    assert response.status_code == 302 and response.url == reverse("targets:county", args=[T])
    html = client.get(reverse("targets:county", args=[T])).content.decode()
    assert "台山市" in html and "160" in html  # Taishan's allocated 1,400 share
    assert client.get(reverse("targets:county", args=[K])).status_code == 404
    # the indicator page shows her county whatever the query string says
    html = client.get(reverse("targets:indicator", args=["provincial-srdi"]) + f"?county={K}").content.decode()
    assert "台山市" in html and "开平市" not in html
    assert client.get(reverse("targets:allocation", args=["provincial-srdi"])).status_code == 403
    assert client.get(reverse("targets:reconciliation", args=["provincial-srdi"])).status_code == 404
    assert (
        client.post(reverse("targets:allocation", args=["provincial-srdi"]), {f"county_{T}": "1400"}).status_code == 403
    )
    assert not Allocation.objects.filter(indicator__code="provincial-srdi", target_value=1400).exists()
    # drill-down links on her dashboard point at her county only
    assert f"county={K}" not in html


def test_drill_down_filters_list_the_enterprises_behind_a_number(client, city_operator, dataset):
    login(client, city_operator)

    def names(query):
        html = client.get("/enterprises/?" + query).content.decode()
        return {
            name
            for name in ("一号精密", "二号机械", "三号电子", "四号材料", "五号化工", "六号五金", "七号家电", "八号纸业")
            if name in html
        }

    assert names("ever_tier=provincial&on=2025-06-30") == {"一号精密", "二号机械", "三号电子", "四号材料"}
    assert names("holds_tier=provincial&on=2023-12-31") == {"一号精密", "三号电子"}  # the cohort
    assert names("min_tier=provincial&on=2025-06-30&has_rd=1") == {"一号精密", "三号电子"}
    assert names("listed_since=2024-01-01&on=2025-06-30") == {"七号家电", "八号纸业"}
    assert names(f"ever_tier=national&on=2025-06-30&county={T}") == {"一号精密", "六号五金"}


def test_drill_down_respects_county_scope(client, taishan_official, dataset):
    login(client, taishan_official)
    html = client.get("/enterprises/?ever_tier=provincial&on=2025-06-30").content.decode()
    assert "一号精密" in html and "三号电子" not in html


def test_indicator_page_trend_and_counties(client, viewer, dataset):
    services.run_execute(run_id=services.run_create(as_of=D).pk)
    login(client, viewer)
    response = client.get(reverse("targets:indicator", args=["provincial-srdi-valid"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="trend-data"' in html and "2024Q3" in html
    assert "开平市" in html and "台山市" in html
    assert client.get(reverse("targets:indicator", args=["nonexistent"])).status_code == 404


def test_reconciliation_lists_the_enterprises_that_make_the_difference(client, city_operator, dataset):
    login(client, city_operator)
    response = client.get(reverse("targets:reconciliation", args=["provincial-srdi-valid"]))
    html = response.content.decode()
    # declared 713; valid on 2023-12-31: e1, e3 → 2; ever recognised: e1, e2, e3 → 3.
    assert "713" in html
    assert re.search(r'id="reconciliation-gap">\s*711', html)
    # e2's title expired on 2023-11-30 and e5's was revoked: listed with the reason.
    assert "二号机械" in html and "五号化工" in html
    assert "三号电子" not in html.split('id="reconciliation-not-valid"')[1]
    assert client.get(reverse("targets:reconciliation", args=["listings"])).status_code == 404


def test_manual_value_entry_by_lead_department(client, department_user):
    url = reverse("targets:report", args=["industry-brands"])
    login(client, department_user)  # 市科技局: not the lead of this indicator
    assert client.get(url).status_code == 403
    client.logout()
    scjgj = factories.make_user(Role.DEPARTMENT_USER, department_code="scjgj")
    login(client, scjgj)
    response = client.post(url, {"as_of": "2025-03-01", "value": "", "evidence": ""})
    assert response.status_code == 200 and not ManualValue.objects.exists()
    response = client.post(url, {"as_of": "2025-03-01", "value": "2", "evidence": "江门市五金产业品牌认定文件"})
    assert response.status_code == 302
    assert ManualValue.objects.get().entered_by == scjgj
    assert client.get(reverse("targets:report", args=["listings"])).status_code == 404  # computed: no reports


def test_allocation_form_checks_the_parts_add_up(client, city_operator):
    login(client, city_operator)
    url = reverse("targets:allocation", args=["national-giants"])
    assert client.get(url).status_code == 200
    counties = Place.objects.filter(level="county").order_by("sort_order")
    bad = {f"county_{c.code}": "7" for c in counties}  # 49
    response = client.post(url, bad)
    assert response.status_code == 200
    assert "49" in response.content.decode()
    assert not Allocation.objects.filter(indicator__code="national-giants").exists()
    good = dict(bad, **{f"county_{counties[0].code}": "6"})
    assert client.post(url, good).status_code == 302
    assert sum(a.target_value for a in Allocation.objects.filter(indicator__code="national-giants")) == 48
    response = client.post(url, dict(good, **{f"county_{counties[0].code}": "abc"}))
    assert response.status_code == 200
    assert sum(a.target_value for a in Allocation.objects.filter(indicator__code="national-giants")) == 48


def test_recompute_now_runs_and_reports_progress(
    client, city_operator, viewer, dataset, eager, django_capture_on_commit_callbacks
):
    login(client, city_operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("targets:recompute"))
    run = RecomputeRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("targets:run", args=[run.pk])
    assert client.get(response.url).status_code == 200
    status = client.get(reverse("targets:run_status", args=[run.pk])).json()
    assert status["status"] == JobStatus.SUCCEEDED and status["finished"] and status["progress"] == 100
    assert run.requested_by_id == city_operator.pk
    assert client.get(reverse("targets:recompute")).status_code == 405
    login(client, viewer)  # a viewer may follow the run
    assert client.get(reverse("targets:run", args=[run.pk])).status_code == 200


def test_recompute_clicks_do_not_pile_up(client, city_operator):
    login(client, city_operator)
    first = client.post(reverse("targets:recompute"))  # queued on commit, which the test never reaches
    second = client.post(reverse("targets:recompute"))
    assert first.url == second.url
    assert RecomputeRun.objects.count() == 1


@pytest.mark.parametrize("role", ["viewer", "department_user", "taishan_official"])
def test_only_the_city_operator_may_recompute_now(client, request, city_operator, snapshot, role):
    """A recompute covers the whole city: readers see no button and are refused the POST."""
    user = request.getfixturevalue(role)
    login(client, user)
    page = client.get(reverse("targets:dashboard"), follow=True).content.decode()
    assert 'id="recompute-button"' not in page
    assert client.post(reverse("targets:recompute")).status_code == 403
    assert RecomputeRun.objects.count() == 0
    with pytest.raises(PermissionDenied):
        services.run_request(actor=user)
    login(client, city_operator)
    assert 'id="recompute-button"' in client.get(reverse("targets:dashboard")).content.decode()


def test_roles_without_business_access_are_refused(client, system_admin, snapshot):
    login(client, system_admin)
    assert client.get(reverse("targets:dashboard")).status_code == 403
    assert client.get(reverse("targets:county", args=[T])).status_code == 403
    assert client.post(reverse("targets:recompute")).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("targets:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_unknown_county_is_not_found(client, city_operator):
    login(client, city_operator)
    assert client.get(reverse("targets:county", args=["999999"])).status_code == 404
    assert client.get(reverse("targets:county", args=["440700"])).status_code == 404  # the city is not a county


def test_manual_value_in_the_future_is_refused(client, city_operator):
    login(client, city_operator)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("targets:report", args=["industry-brands"]), {"as_of": future, "value": "1", "evidence": "x"}
    )
    assert response.status_code == 200 and not ManualValue.objects.exists()

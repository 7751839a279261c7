"""The home page as a workbench (``core.workbench`` and each app's ``workbench`` module) and the
header search: per role, counts scoped to the user's county, links, viewers figures only."""

from __future__ import annotations

import datetime as dt
import re
import sys
import types

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from core.workbench import Todo, collect
from enterprises.models import ListingRecord
from enterprises.services import enterprise_save
from tests import factories

pytestmark = pytest.mark.django_db


def _todos(html: str) -> dict[str, int]:
    """The to-do list as rendered: label → count."""
    section = html.split('id="workbench-todos"', 1)[1].split("</section>", 1)[0] if "workbench-todos" in html else ""
    found = re.findall(
        r'<i class="bi [^"]*" aria-hidden="true"></i> ([^<]+)</span>\s*<span class="badge[^"]*">(\d+)<', section
    )
    return {label.strip(): int(count) for label, count in found}


@pytest.fixture
def waiting_work(taishan_enterprise, kaiping_enterprise):
    """One checked import waiting in each of 台山 and 开平, one finished import and one dry run in 台山;
    per county one title lapsing in 30 days and one in 120 days."""
    factories.make_statistic_import("440781")
    factories.make_statistic_import("440783")
    factories.make_statistic_import("440781", state="committed")
    factories.make_statistic_import("440781", dry_run=True)
    today = timezone.localdate()
    for enterprise in (taishan_enterprise, kaiping_enterprise):
        factories.make_title(
            enterprise, "provincial", today - dt.timedelta(days=300), valid_until=today + dt.timedelta(days=30)
        )
        other = factories.make_enterprise(enterprise.county.code)
        factories.make_title(
            other, "provincial", today - dt.timedelta(days=300), valid_until=today + dt.timedelta(days=120)
        )


def test_the_county_official_sees_her_countys_work_only(client, taishan_official, waiting_work):
    client.force_login(taishan_official)
    todos = _todos(client.get(reverse("home")).content.decode())
    # 台山: 1 checked import (the committed one and the dry run wait for nobody); 1 title lapsing
    # within 90 days (the one in 120 days is outside); 开平's are not counted.
    assert todos["待确认的统计数据导入"] == 1
    assert todos["90天内到期的认定"] == 1


def test_the_city_operator_sees_every_countys_work(client, city_operator, waiting_work):
    client.force_login(city_operator)
    html = client.get(reverse("home")).content.decode()
    todos = _todos(html)
    # 台山 1 + 开平 1 = 2 imports; 1 + 1 = 2 titles lapsing within 90 days
    assert todos["待确认的统计数据导入"] == 2
    assert todos["90天内到期的认定"] == 2
    assert f'href="{reverse("enterprises:dynamics_calendar")}?window=90"' in html


def test_viewers_see_figures_only(client, viewer, waiting_work):
    factories.make_snapshot_value(None, indicator_code="national-giants", value=31, target=48)
    client.force_login(viewer)
    html = client.get(reverse("home")).content.decode()
    assert "workbench-todos" not in html and "最近动态" not in html
    assert 'id="workbench-figures"' in html


def test_key_figures_are_the_users_scope(client, taishan_official, city_operator):
    as_of = dt.date(2026, 9, 30)
    factories.make_snapshot_value(None, as_of=as_of, indicator_code="national-giants", value=31, target=48)
    factories.make_snapshot_value("440781", as_of=as_of, indicator_code="national-giants", value=5, target=7)
    factories.make_snapshot_value(
        None, as_of=as_of, indicator_code="provincial-srdi", value=700, target=1400, status="behind"
    )
    client.force_login(city_operator)
    html = client.get(reverse("home")).content.decode()
    figures = html.split('id="workbench-figures"', 1)[1]
    assert "31 家" in figures and "目标 48" in figures and "700 家" in figures
    # the goals by status: 2 indicators in the city's snapshot, 1 on track and 1 behind
    assert "进度正常 1 · 进度滞后 1" in figures
    client.force_login(taishan_official)
    figures = client.get(reverse("home")).content.decode().split('id="workbench-figures"', 1)[1]
    assert "5 家" in figures and "目标 7" in figures
    assert "31 家" not in figures and "700 家" not in figures  # the city's figures are not hers


def test_recent_activity_stays_in_the_county(
    client, city_operator, taishan_official, taishan_enterprise, kaiping_enterprise
):
    for enterprise, name in (
        (taishan_enterprise, "台山改名精密有限公司"),
        (kaiping_enterprise, "开平改名电子有限公司"),
    ):
        enterprise.name = name
        enterprise_save(actor=city_operator, enterprise=enterprise, expected_version=enterprise.version)
    client.force_login(taishan_official)
    html = client.get(reverse("home")).content.decode()
    assert "台山改名精密有限公司" in html and "开平改名电子有限公司" not in html
    client.force_login(city_operator)
    html = client.get(reverse("home")).content.decode()
    assert "台山改名精密有限公司" in html and "开平改名电子有限公司" in html


def test_an_app_adds_its_todos_without_touching_the_home_view(client, city_operator, monkeypatch):
    """The registry: a later app (support requests) declares ``workbench`` on its AppConfig."""
    module = types.ModuleType("tests_fake_support_workbench")
    module.todos = lambda user, today: [Todo("逾期未办结的诉求", 3, "/support/?overdue=1", urgent=True, order=5)]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(apps.get_app_config("reports"), "workbench", module.__name__, raising=False)
    assert collect("todos", city_operator, timezone.localdate())[0].label == "逾期未办结的诉求"
    client.force_login(city_operator)
    html = client.get(reverse("home")).content.decode()
    assert _todos(html)["逾期未办结的诉求"] == 3 and 'href="/support/?overdue=1"' in html


def test_the_administrators_home_has_no_business_data(client, system_admin, waiting_work):
    client.force_login(system_admin)
    html = client.get(reverse("home")).content.decode()
    assert "workbench-todos" not in html and "workbench-figures" not in html and "portal-search-q" not in html


# -- header search -----------------------------------------------------------------------------------


def _hits(client, query: str) -> str:
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_search_finds_enterprises_in_scope_by_name_credit_code_and_stock_code(
    client, taishan_official, city_operator, taishan_enterprise, kaiping_enterprise
):
    ListingRecord.objects.create(
        enterprise=kaiping_enterprise,
        stage="listed",
        venue="szse_chinext",
        date=dt.date(2025, 6, 1),
        stock_code="301999",
    )
    client.force_login(taishan_official)
    html = _hits(client, "测试")
    assert "台山测试精密有限公司" in html and "开平测试电子有限公司" not in html
    assert "台山测试精密有限公司" in _hits(client, taishan_enterprise.credit_code[:12].lower())
    assert "开平测试电子有限公司" not in _hits(client, kaiping_enterprise.credit_code)
    assert "开平测试电子有限公司" not in _hits(client, "301999")
    client.force_login(city_operator)
    html = _hits(client, "测试")
    assert "台山测试精密有限公司" in html and "开平测试电子有限公司" in html
    assert "开平测试电子有限公司" in _hits(client, "301999")
    assert f'href="{kaiping_enterprise.get_absolute_url()}"' in html


def test_search_finds_tasks_and_indicators_by_name(client, viewer):
    client.force_login(viewer)
    html = _hits(client, "数字化转型")
    assert "促进数字化转型" in html and 'href="/tasks/2-2-2/"' in html
    html = _hits(client, "小巨人")
    assert "国家级专精特新“小巨人”企业（累计培育）" in html and 'href="/targets/indicators/national-giants/"' in html


def test_search_answers_short_strange_and_empty_queries(client, viewer):
    client.force_login(viewer)
    assert "请至少输入 2 个字符" in _hits(client, "江")
    assert "未找到与“无此企业名称”相关的结果" in _hits(client, "无此企业名称")
    assert "未找到" not in _hits(client, "")
    assert _hits(client, "a\x00b" * 60)  # NUL and over-long input: answered, not crashed


def test_search_is_for_business_readers(client, system_admin):
    assert client.get(reverse("search"), {"q": "测试"}).status_code == 302  # anonymous: to the login
    client.force_login(system_admin)
    assert client.get(reverse("search"), {"q": "测试"}).status_code == 403


# -- Chinese everywhere, no internal codes -------------------------------------------------------------


def test_sort_options_task_indicators_and_criteria_groups_are_in_chinese(client, city_operator):
    client.force_login(city_operator)
    html = client.get(reverse("enterprises:list")).content.decode()
    assert "descending" not in html and "名称（降序）" in html
    html = client.get(reverse("tasks:task_detail", args=["2-1"])).content.decode()
    assert "national-giants" not in html.replace('href="/targets/indicators/national-giants/"', "")
    assert "国家级专精特新“小巨人”企业（累计培育）" in html
    html = client.get(reverse("enterprises:dynamics_criteria"), {"all": "1"}).content.decode()
    assert "rd-intensity" not in html and "scale/" not in html and "unverified" not in html
    assert "条件组 1 · 情形 1" in html


def test_allocation_shows_counts_as_integers(client, city_operator):
    from targets import services

    services.allocations_ensure_defaults()
    client.force_login(city_operator)
    html = client.get(reverse("targets:allocation", args=["national-giants"])).content.decode()
    values = re.findall(r'name="county_\d+" value="([^"]*)"', html)
    assert values and all(re.fullmatch(r"\d+(\.\d*[1-9])?", v) for v in values), values


def test_lists_have_numbered_pages_and_a_page_jump_keeping_the_filters(client, city_operator, settings):
    from enterprises.views import EnterpriseListView

    EnterpriseListView.paginate_by = 2  # 7 enterprises, 2 a page: pages 1 … 4
    try:
        for i in range(7):
            factories.make_enterprise("440781", name=f"分页测试{i}有限公司")
        client.force_login(city_operator)
        html = client.get(reverse("enterprises:list"), {"county": "440781", "page": "3"}).content.decode()
    finally:
        EnterpriseListView.paginate_by = 50
    nav = html.split('class="d-flex flex-wrap align-items-center gap-2 portal-pagination"', 1)[1].split("</nav>", 1)[0]
    # ceil(7 / 2) = 4 pages; the third is current, 1, 2 and 4 are links (two on each side, no gap)
    assert '<li class="page-item active" aria-current="page"><span class="page-link">3</span>' in nav
    for n in (1, 2, 4):
        assert f"page={n}" in nav and f">{n}</a>" in nav
    assert "第 3 / 4 页（共 7 条）" in nav
    # the jump form keeps the filter and asks for a page between 1 and 4
    assert '<input type="hidden" name="county" value="440781">' in nav
    assert 'name="page" value="3"' in nav and 'max="4"' in nav and "跳转到页码" in nav


def test_the_lateness_list_is_paged(client, city_operator):
    """Every (task, unit) of the plan is late for a period nobody reported: far more than a page."""
    client.force_login(city_operator)
    first = client.get("/tasks/lateness/", {"period": "2024Q1"})
    second = client.get("/tasks/lateness/", {"period": "2024Q1", "page": "2"})
    assert first.status_code == second.status_code == 200
    keys = [{(s.task.code, s.column.key) for s in r.context["slots"]} for r in (first, second)]
    assert len(keys[0]) == 50 and keys[1] and not keys[0] & keys[1]
    assert 'name="page"' in first.content.decode()


def test_a_departments_todos_are_its_progress_reports(department_user):
    """市科技局 (kjj) reports on two tasks of the plan: 二（二）1 (2-2-1, lead) and 三（一） (3-1). On
    2025-02-01 the period being reported is 2025Q1 (due 2025-04-10): both reports are still to
    write. Once 2-2-1's report is returned for changes: 1 to write, 1 returned."""
    day = dt.date(2025, 2, 1)
    todos = {t.label: t.count for t in collect("todos", department_user, day)}
    assert todos == {"2025年第1季度待报送的工作进展": 2}
    factories.make_report("2-2-1", "2025Q1", department_code="kjj", status="returned")
    todos = {t.label: t.count for t in collect("todos", department_user, day)}
    assert todos == {"2025年第1季度待报送的工作进展": 1, "被退回修改的工作进展": 1}


def test_the_api_documentation_is_a_chinese_page_with_the_way_back(client, viewer):
    client.force_login(viewer)
    html = client.get("/api/v1/docs/").content.decode()
    assert '<html lang="zh-Hans">' in html and "返回平台首页" in html and 'href="/"' in html
    assert "<script>" not in html  # still no inline script (CSP)


def _reserve_todos(client) -> dict[str, tuple[int, str]]:
    """The reserve-pool to-dos as the home page loads them: label → (count, link)."""
    home = client.get(reverse("home")).content.decode()
    source = reverse("enterprises:dynamics_reserve_todos")
    assert f'data-deferred-todos="{source}"' in home  # the home page does not wait for the pools
    html = client.get(source).content.decode()
    found = re.findall(
        r'href="([^"]+)" data-todo="reserve">\s*<span><i class="bi [^"]*" aria-hidden="true"></i> ([^<]+)</span>\s*'
        r'<span class="badge[^"]*">(\d+)<',
        html,
    )
    return {label.strip(): (int(count), url.replace("&amp;", "&")) for url, label, count in found}


def test_reserve_candidates_eligible_and_not_recommended(client, taishan_official, city_operator):
    from enterprises.dynamics import services as dynamics_services
    from enterprises.models import Statistic, Tier
    from tests.enterprises.test_dynamics_views import strong_candidate

    # 台山: three strong candidates for the provincial rung (each meets the 2026 provincial criteria,
    # worked through in tests/enterprises/test_precheck_sql.py); one recommended this year, one whose
    # last-year revenue is cut to 1,000 (< 1,500: not eligible). 开平: one strong candidate.
    # Expected for 台山: 3 − 1 recommended − 1 not eligible = 1; for the city: 1 + 开平's 1 = 2.
    open_one = strong_candidate("440781")
    recommended = strong_candidate("440781")
    too_small = strong_candidate("440781")
    strong_candidate("440783")
    year = timezone.localdate().year
    Statistic.objects.filter(enterprise=too_small, year=year - 1, quarter=4).update(revenue=1000)
    provincial = Tier.objects.get(code="provincial")
    dynamics_services.reserve_recommend(actor=taishan_official, enterprise=recommended, tier=provincial, year=year)
    label = f"符合省级专精特新中小企业条件、{year}年尚未推荐"

    client.force_login(taishan_official)
    todos = _reserve_todos(client)
    count, link = todos[label]
    assert count == 1
    assert link == f"{reverse('enterprises:dynamics_reserve')}?tier=provincial&result=eligible&open=1"
    pool = client.get(link).content.decode()
    assert re.findall(r'data-enterprise="(\d+)"', pool) == [str(open_one.pk)]  # the pool, filtered the same way
    assert all("小巨人" not in key for key in todos)  # no candidate for the national rung

    client.force_login(city_operator)
    assert _reserve_todos(client)[label][0] == 2


def test_reserve_todos_fragment_is_for_business_users(client, viewer, system_admin):
    source = reverse("enterprises:dynamics_reserve_todos")
    client.force_login(viewer)
    assert client.get(source).content.decode().strip() == ""  # a viewer has nothing to do
    assert "data-deferred-todos" not in client.get(reverse("home")).content.decode()
    client.force_login(system_admin)
    assert client.get(source).status_code == 403

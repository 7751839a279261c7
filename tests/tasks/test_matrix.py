"""Matrix contents and statuses, query counts, lateness, reminders, the beat job and the export."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from accounts.models import AuditLog, Department, Place
from tasks import selectors
from tasks.choices import CellStatus
from tasks.models import KeyTask, ProgressReport, Reminder, ReportingPeriod, TaskUnit
from tasks.tasks import mark_lateness
from tests import factories

pytestmark = pytest.mark.django_db


def _cells(m):
    return {(task.code, cell.column.key): cell for task, cells in m.rows for cell in cells}


def _key(department_code=None, county_code=None):
    if department_code:
        return f"d{Department.objects.get(code=department_code).pk}"
    return f"c{Place.objects.get(code=county_code).pk}"


def test_matrix_rows_columns_and_lead_marks(viewer):
    period = ReportingPeriod.objects.get(code="2025Q1")
    m = selectors.matrix(user=viewer, period=period, today=dt.date(2025, 3, 1))
    assert [t.number for t, _ in m.rows][:11] == [
        "二（一）",
        "二（二）1",
        "二（二）2",
        "二（二）3",
        "二（二）4",
        "二（二）5",
        "二（三）1",
        "二（三）2",
        "二（三）3",
        "二（三）4",
        "二（三）5",
    ]
    assert len(m.columns) == 17 + 7
    assert [c.label for c in m.columns[-7:]] == ["蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"]
    cells = _cells(m)
    assert cells[("2-3-2", _key("jrj"))].is_lead  # 市金融局 leads 二（三）2
    assert cells[("2-3-2", _key("miit"))].responsible and not cells[("2-3-2", _key("miit"))].is_lead
    assert not cells[("2-3-3", _key("miit"))].responsible  # 市工信局 does not share 二（三）3
    assert all(cells[("2-3-3", _key(county_code=c.code))].responsible for c in selectors.counties())
    leads = {t.code: [c.column.label for c in cs if c.is_lead] for t, cs in m.rows}
    assert leads["2-2-1"] == ["市科技局"] and leads["2-3-4"] == ["市人才工作局"]
    assert all(len(v) == 1 for v in leads.values())


def test_cell_statuses(viewer):
    period = ReportingPeriod.objects.get(code="2025Q1")  # due 2025-04-10
    mk = factories.make_report
    mk("2-2-1", "2025Q1", department_code="kjj", status="accepted")
    mk("2-2-1", "2025Q1", department_code="czj", status="submitted")
    mk("2-2-1", "2025Q1", department_code="fgj", status="submitted", is_late=True)
    mk("2-2-1", "2025Q1", county_code="440781", status="draft")
    mk("2-2-1", "2025Q1", county_code="440783", status="returned")
    before_due = _cells(selectors.matrix(user=viewer, period=period, today=dt.date(2025, 4, 10)))
    after_due = _cells(selectors.matrix(user=viewer, period=period, today=dt.date(2025, 4, 11)))
    expect = {
        _key("kjj"): (CellStatus.ACCEPTED, CellStatus.ACCEPTED),
        _key("czj"): (CellStatus.SUBMITTED, CellStatus.SUBMITTED),
        _key("fgj"): (CellStatus.LATE, CellStatus.LATE),
        _key(county_code="440781"): (CellStatus.DRAFT, CellStatus.MISSING),
        _key(county_code="440783"): (CellStatus.RETURNED, CellStatus.RETURNED),
        _key("miit"): (CellStatus.PENDING, CellStatus.MISSING),
    }
    for key, (before, after) in expect.items():
        assert before_due[("2-2-1", key)].status == before, key
        assert after_due[("2-2-1", key)].status == after, key


def test_matrix_query_count_does_not_grow_with_reports(client, department_user, django_assert_max_num_queries):
    client.force_login(department_user)
    client.get("/tasks/?period=2025Q1")  # the session's first request also records its start (middleware)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/tasks/?period=2025Q1").status_code == 200
    baseline = len(few.captured_queries)
    for task in KeyTask.objects.all():
        for unit in TaskUnit.objects.filter(task=task):
            factories.make_report(
                task.code, "2025Q1", department_code=unit.department.code, status="submitted", progress_percent=50
            )
        for place in selectors.counties():
            factories.make_report(task.code, "2025Q1", county_code=place.code, status="accepted")
    with django_assert_max_num_queries(baseline) as many:
        page = client.get("/tasks/?period=2025Q1")
    assert (
        page.status_code == 200 and page.content.decode().count("/tasks/reports/") == 4 + 7 + 1
    )  # all of 二（二）1 (it leads), its 三（一）
    assert len(many.captured_queries) == baseline


def test_matrix_page_links_only_reports_the_user_may_read(client, czj_user):
    own = factories.make_report("2-2-1", "2025Q1", department_code="czj", status="submitted")
    other = factories.make_report("2-2-1", "2025Q1", department_code="kjj", status="submitted")
    client.force_login(czj_user)
    page = client.get("/tasks/?period=2025Q1").content.decode()
    assert f"/tasks/reports/{own.pk}/" in page
    assert f"/tasks/reports/{other.pk}/" not in page  # status shown, contents not linked
    assert "牵头" in page


def test_lateness_list_and_reminders(client, city_operator, taishan_official, frozen_today):
    factories.make_report("2-1", "2025Q1", department_code="miit", status="submitted")
    client.force_login(city_operator)
    page = client.get("/tasks/lateness/")  # default: the latest overdue period, 2025Q1
    assert page.status_code == 200
    slots = page.context["slots"]
    assert page.context["period"].code == "2025Q1"
    statuses = {(s.task.code, s.column.key): s.status for s in slots}
    assert ("2-1", _key("miit")) not in statuses
    assert statuses[("2-1", _key(county_code="440781"))] == CellStatus.MISSING
    task = KeyTask.objects.get(code="2-1")
    taishan = f"{task.pk}:{_key(county_code='440781')}"
    response = client.post("/tasks/lateness/remind/", {"period": "2025Q1", "slot": [taishan], "message": ""})
    assert response.status_code == 302
    reminder = Reminder.objects.get()
    assert reminder.county.code == "440781" and "2025-04-10" in reminder.message and reminder.sent_by == city_operator
    assert AuditLog.objects.filter(object_type="tasks.reminder", action="create").count() == 1
    # a unit not responsible for the task, or a forged value: nothing sent
    bogus = f"{KeyTask.objects.get(code='2-3-3').pk}:{_key('miit')}"
    client.post("/tasks/lateness/remind/", {"period": "2025Q1", "slot": [taishan, bogus, "x:y"]})
    assert Reminder.objects.count() == 1
    client.force_login(taishan_official)
    assert client.post("/tasks/lateness/remind/", {"period": "2025Q1", "slot": [taishan]}).status_code == 403
    assert reminder.message in client.get("/tasks/mine/").content.decode()


def test_beat_job_flags_overdue_drafts_and_reminds_missing_units_once(frozen_today):
    draft = factories.make_report("2-1", "2025Q1", department_code="miit", status="draft")
    current = factories.make_report("2-1", "2025Q2", county_code="440781", status="draft")
    result = mark_lateness.delay().get()
    assert result["flagged"] == 1
    assert ProgressReport.objects.get(pk=draft.pk).is_late
    assert not ProgressReport.objects.get(pk=current.pk).is_late
    expected_slots = sum(t.units.count() + 7 for t in KeyTask.objects.filter(is_active=True))
    assert result["reminders"] == expected_slots  # the draft counts as missing: it was never submitted
    assert Reminder.objects.filter(kind="automatic", period__code="2025Q1").count() == expected_slots
    again = mark_lateness.delay().get()
    assert again == {"flagged": 0, "reminders": 0}
    assert AuditLog.objects.filter(source="job", object_type="tasks.reminder").count() == expected_slots


def test_export_xlsx_has_the_matrix_and_reports_with_formulas_as_text(
    client, city_operator, department_user, django_assert_max_num_queries
):
    factories.make_report(
        "2-2-1",
        "2025Q1",
        department_code="czj",
        status="submitted",
        summary='=HYPERLINK("x")',
        figures="+1",
        problems="-2",
        next_steps="@SUM(A1)",
    )
    factories.make_report("2-2-1", "2025Q1", county_code="440781", status="accepted", summary="台山进展")
    client.force_login(city_operator)
    with django_assert_max_num_queries(25):
        response = client.get("/tasks/export/?period=2025Q1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    matrix_ws, reports_ws = wb.worksheets[0], wb.worksheets[1]
    assert matrix_ws.max_row == 1 + KeyTask.objects.filter(is_active=True).count()
    header = [c.value for c in matrix_ws[1]]
    assert "市科技局" in header and "台山市" in header
    row = next(r for r in matrix_ws.iter_rows(min_row=2) if r[0].value.startswith("二（二）1"))
    assert row[header.index("市科技局")].value.startswith("牵头")
    assert row[header.index("台山市")].value == "已采纳"
    values = {c.value: c for r in reports_ws.iter_rows(min_row=2) for c in r}
    for text in ('=HYPERLINK("x")', "+1", "-2", "@SUM(A1)"):
        assert values[text].data_type == "s", text
    assert "台山进展" in values
    assert AuditLog.objects.filter(action="export", actor=city_operator).exists()
    client.force_login(department_user)
    assert client.get("/tasks/export/?period=2025Q1").status_code == 403


def test_task_page_shows_timeline_of_readable_reports(client, department_user, czj_user):
    factories.make_report(
        "2-2-1", "2025Q1", department_code="czj", status="accepted", summary="一季度财政进展", progress_percent=25
    )
    factories.make_report(
        "2-2-1", "2025Q2", department_code="czj", status="submitted", summary="二季度财政进展", progress_percent=50
    )
    factories.make_report("2-2-2", "2025Q2", department_code="czj", status="submitted", summary="数字化财政进展")
    client.force_login(department_user)  # lead of 二（二）1
    page = client.get("/tasks/2-2-1/?period=2025Q2").content.decode()
    assert "一季度财政进展" in page and "二季度财政进展" in page
    assert page.index("二季度财政进展") < page.index("一季度财政进展")  # newest first
    assert "数字化财政进展" not in client.get("/tasks/2-2-2/").content.decode()  # kjj does not lead 二（二）2
    assert client.get("/tasks/9-9/").status_code == 404


def test_my_tasks_lists_the_units_tasks_with_lead_marks(client, czj_user, taishan_official):
    client.force_login(czj_user)
    page = client.get("/tasks/mine/?period=2025Q1")
    codes = [item.task.code for item in page.context["my_tasks"]]
    assert codes == ["2-2-1", "2-2-2", "2-2-5", "2-3-1", "2-3-2", "2-3-4", "3-1"]
    assert not any(item.is_lead for item in page.context["my_tasks"])
    client.force_login(taishan_official)
    page = client.get("/tasks/mine/?period=2025Q1")
    assert len(page.context["my_tasks"]) == KeyTask.objects.filter(is_active=True).count()


def test_county_official_sees_only_her_countys_progress_figures(client, taishan_official, city_operator):
    """Two counties report on 二（二）1: Taishan 35 %, Kaiping 80 %. Both statuses are shown to
    everyone; the percentages only to those who may read the report."""
    factories.make_report("2-2-1", "2025Q1", county_code="440781", status="submitted", progress_percent=35)
    factories.make_report("2-2-1", "2025Q1", county_code="440783", status="submitted", progress_percent=80)
    period = ReportingPeriod.objects.get(code="2025Q1")
    taishan, kaiping = ("2-2-1", _key(county_code="440781")), ("2-2-1", _key(county_code="440783"))

    own_view = _cells(selectors.matrix(user=taishan_official, period=period, today=dt.date(2025, 4, 1)))
    assert own_view[taishan].progress == 35 and own_view[taishan].can_open
    assert own_view[kaiping].status == CellStatus.SUBMITTED  # the status stays visible
    assert own_view[kaiping].progress is None and not own_view[kaiping].can_open

    city_view = _cells(selectors.matrix(user=city_operator, period=period, today=dt.date(2025, 4, 1)))
    assert (city_view[taishan].progress, city_view[kaiping].progress) == (35, 80)

    client.force_login(taishan_official)
    html = client.get("/tasks/?period=2025Q1").content.decode()
    assert '<div class="text-muted">35%</div>' in html
    assert '<div class="text-muted">80%</div>' not in html

"""Who may read, write and review which progress report: both directions, by every route."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.choices import Role
from core.scoping import CHANGE, VIEW, require
from tasks.choices import REVIEW, STATUS
from tasks.models import ProgressReport, report_allows
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(db):
    mk = factories.make_report
    return {
        "kjj_221": mk("2-2-1", "2025Q1", department_code="kjj", status="submitted"),  # kjj leads 二（二）1
        "czj_221": mk("2-2-1", "2025Q1", department_code="czj", status="submitted"),
        "czj_222": mk("2-2-2", "2025Q1", department_code="czj", status="submitted"),  # miit leads 二（二）2
        "taishan_221": mk("2-2-1", "2025Q1", county_code="440781", status="submitted"),
        "kaiping_221": mk("2-2-1", "2025Q1", county_code="440783", status="submitted"),
        "kaiping_222": mk("2-2-2", "2025Q1", county_code="440783", status="submitted"),
    }


@pytest.fixture
def users(
    department_user, czj_user, miit_user, taishan_official, kaiping_official, viewer, city_operator, system_admin
):
    return {
        "kjj": department_user,
        "czj": czj_user,
        "miit": miit_user,
        "taishan": taishan_official,
        "kaiping": kaiping_official,
        "viewer": viewer,
        "city": city_operator,
        "sysadmin": system_admin,
    }


ALL = {"kjj_221", "czj_221", "czj_222", "taishan_221", "kaiping_221", "kaiping_222"}
EXPECTED = {
    VIEW: {
        "kjj": {"kjj_221", "czj_221", "taishan_221", "kaiping_221"},  # its own + every report of the task it leads
        "czj": {"czj_221", "czj_222"},  # its own only: it leads nothing
        "miit": {"czj_222", "kaiping_222"},  # leads 二（二）2
        "taishan": {"taishan_221"},
        "kaiping": {"kaiping_221", "kaiping_222"},
        "viewer": ALL,
        "city": ALL,
        "sysadmin": None,
    },
    CHANGE: {
        "kjj": {"kjj_221"},
        "czj": {"czj_221", "czj_222"},
        "miit": set(),
        "taishan": {"taishan_221"},
        "kaiping": {"kaiping_221", "kaiping_222"},
        "viewer": None,
        "city": None,
        "sysadmin": None,
    },
    REVIEW: {
        "kjj": {"czj_221", "taishan_221", "kaiping_221"},  # co-units of the task it leads, not its own
        "czj": set(),
        "miit": {"czj_222", "kaiping_222"},
        "taishan": None,
        "kaiping": None,
        "viewer": None,
        "city": {"kjj_221"},  # consolidated reports
        "sysadmin": None,
    },
}


@pytest.mark.parametrize("action", [VIEW, CHANGE, REVIEW])
def test_for_user_gives_exactly_the_reports_in_reach(reports, users, action):
    names = {r.pk: name for name, r in reports.items()}
    for who, expected in EXPECTED[action].items():
        got = {names[pk] for pk in ProgressReport.objects.for_user(users[who], action).values_list("pk", flat=True)}
        assert got == (expected or set()), (action, who)


@pytest.mark.parametrize("action", [VIEW, CHANGE, REVIEW, STATUS])
def test_instance_rule_agrees_with_queryset_rule(reports, users, action):
    """``require``/``scoped_save`` (instance rule) and ``for_user`` (queryset rule) never disagree."""
    for user in users.values():
        in_qs = set(ProgressReport.objects.for_user(user, action).values_list("pk", flat=True))
        for report in reports.values():
            allowed = report_allows(user, action, ProgressReport.objects.get(pk=report.pk))
            assert bool(allowed) == (report.pk in in_qs), (user.username, action, report)


def test_require_refuses_a_county_official_on_a_department_report_and_other_roles(reports, users):
    with pytest.raises(Http404):
        require(users["taishan"], CHANGE, reports["kjj_221"])  # county None must not mean "anywhere"
    with pytest.raises(Http404):
        require(users["czj"], CHANGE, reports["kjj_221"])
    with pytest.raises(Http404):
        require(users["taishan"], CHANGE, reports["kaiping_221"])
    with pytest.raises(PermissionDenied):
        require(users["viewer"], CHANGE, reports["czj_221"])
    with pytest.raises(PermissionDenied):
        require(users["city"], CHANGE, reports["czj_221"])
    assert require(users["kjj"], CHANGE, reports["kjj_221"]).department_id == users["kjj"].department_id
    assert require(users["taishan"], CHANGE, reports["taishan_221"]).county_id == users["taishan"].county_id


def test_status_is_visible_to_every_business_reader_but_not_to_admins(reports, users):
    assert ProgressReport.objects.for_user(users["taishan"], STATUS).count() == len(ALL)
    assert not ProgressReport.objects.for_user(users["sysadmin"], STATUS).exists()


@pytest.mark.parametrize(
    "who, name, code",
    [
        ("kjj", "czj_221", 200),
        ("kjj", "czj_222", 404),
        ("czj", "kjj_221", 404),
        ("czj", "czj_222", 200),
        ("taishan", "kaiping_221", 404),
        ("taishan", "taishan_221", 200),
        ("kaiping", "taishan_221", 404),
        ("miit", "kaiping_222", 200),
        ("miit", "kaiping_221", 404),
        ("viewer", "kaiping_221", 200),
        ("city", "taishan_221", 200),
        ("sysadmin", "taishan_221", 403),
    ],
)
def test_report_page_answers_404_outside_reach(client, reports, users, who, name, code):
    client.force_login(users[who])
    response = client.get(f"/tasks/reports/{reports[name].pk}/")
    assert response.status_code == code
    if code == 404:
        assert reports[name].summary not in response.content.decode() or not reports[name].summary


@pytest.mark.parametrize(
    "who, name, code",
    [
        ("czj", "czj_221", 404),  # not the lead
        ("kaiping", "taishan_221", 403),  # counties never review
        ("viewer", "czj_221", 403),
        ("miit", "czj_221", 404),  # leads other tasks, not 二（二）1
        ("city", "czj_221", 404),  # the city reviews consolidated reports only
    ],
)
def test_review_is_refused_outside_reach_and_changes_nothing(client, reports, users, who, name, code):
    client.force_login(users[who])
    report = reports[name]
    response = client.post(f"/tasks/reports/{report.pk}/review/", {"decision": "accept", "comment": ""})
    assert response.status_code == code
    assert ProgressReport.objects.get(pk=report.pk).status == "submitted"


def test_report_form_is_refused_for_units_not_responsible_and_roles_that_do_not_report(client, users):
    client.force_login(users["czj"])
    assert client.get("/tasks/2-2-3/2025Q1/report/").status_code == 404  # 市财政局 does not share 二（二）3
    assert client.get("/tasks/2-2-1/2025Q1/report/").status_code == 200
    for who in ("viewer", "city", "sysadmin"):
        client.force_login(users[who])
        assert client.get("/tasks/2-2-1/2025Q1/report/").status_code == 403, who
    client.force_login(users["taishan"])
    assert client.get("/tasks/2-2-1/2025Q1/report/").status_code == 200


def test_pages_for_every_role(client, reports, users):
    for who, user in users.items():
        client.force_login(user)
        expected = 403 if who == "sysadmin" else 200
        for url in ("/tasks/", "/tasks/mine/", "/tasks/2-2-1/"):
            assert client.get(url).status_code == expected, (who, url)
        coordinator = who == "city"
        assert client.get("/tasks/lateness/").status_code == (200 if coordinator else 403), who
        assert client.get("/tasks/export/").status_code == (200 if coordinator else 403), who
        assert client.get("/tasks/2-2-1/edit/").status_code == (200 if coordinator else 403), who


def test_reminders_are_read_only_by_their_unit(client, users, city_operator):
    from tasks import services
    from tasks.models import KeyTask, Reminder, ReportingPeriod

    period = ReportingPeriod.objects.get(code="2025Q1")
    task = KeyTask.objects.get(code="2-2-1")
    services.reminder_send(
        actor=city_operator, period=period, targets=[(task, None, users["taishan"].county)], message="台山请尽快报送"
    )
    assert Reminder.objects.for_user(users["taishan"]).count() == 1
    assert Reminder.objects.for_user(users["kaiping"]).count() == 0
    assert Reminder.objects.for_user(users["czj"]).count() == 0
    client.force_login(users["taishan"])
    assert "台山请尽快报送" in client.get("/tasks/mine/").content.decode()
    client.force_login(users["kaiping"])
    assert "台山请尽快报送" not in client.get("/tasks/mine/").content.decode()
    with pytest.raises(PermissionDenied):
        services.reminder_send(actor=users["kjj"], period=period, targets=[(task, None, users["taishan"].county)])
    assert Reminder.objects.count() == 1


def test_task_edit_by_city_operator_is_audited_and_refused_for_others(client, users):
    from accounts.models import AuditLog
    from tasks.models import KeyTask

    task = KeyTask.objects.get(code="2-3-2")
    client.force_login(users["kaiping"])
    assert client.post("/tasks/2-3-2/edit/", {"number": "x", "title": "x", "measures": "x"}).status_code == 403
    client.force_login(users["city"])
    data = {
        "number": task.number,
        "kind": "task",
        "title": task.title,
        "group_title": task.group_title,
        "measures": task.measures,
        "units": "市金融局, nfra, miit, czj, pbc",
        "sort_order": task.sort_order,
        "indicator_codes": "listings, bad code!",
        "counties_responsible": "on",
        "is_active": "on",
    }
    response = client.post("/tasks/2-3-2/edit/", data)
    assert response.status_code == 200 and "不是有效的指标代码：code!" in response.content.decode()
    assert KeyTask.objects.get(pk=task.pk).indicator_codes == ["listings"]
    data["indicator_codes"] = "listings, no-such-indicator"
    response = client.post("/tasks/2-3-2/edit/", data)
    assert response.status_code == 200 and "no-such-indicator" in response.content.decode()
    data["indicator_codes"] = "listings，provincial-srdi"
    assert client.post("/tasks/2-3-2/edit/", data).status_code == 302
    assert KeyTask.objects.get(pk=task.pk).indicator_codes == ["listings", "provincial-srdi"]
    assert AuditLog.objects.filter(object_type="tasks.keytask", object_id=str(task.pk), action="update").exists()
    assert Role.CITY_OPERATOR == users["city"].role


def test_city_operator_reorders_units_and_adds_a_task_for_a_later_plan(client, city_operator, viewer):
    from django.core.management import call_command

    from accounts.models import AuditLog
    from tasks.models import KeyTask, TaskUnit

    task = KeyTask.objects.get(code="2-3-3")
    client.force_login(city_operator)
    data = {
        "number": task.number,
        "kind": "task",
        "title": task.title,
        "group_title": task.group_title,
        "measures": task.measures,
        "units": "市住房城乡建设局\n市自然资源局、czj",
        "indicator_codes": "",
        "counties_responsible": "on",
        "sort_order": task.sort_order,
        "is_active": "on",
    }
    assert client.post("/tasks/2-3-3/edit/", {**data, "units": "市住房城乡建设局、不存在局"}).status_code == 200
    assert client.post("/tasks/2-3-3/edit/", {**data, "units": "zjj, zjj"}).status_code == 200
    assert list(task.units.order_by("position").values_list("department__code", flat=True)) == ["zrzyj", "zjj"]
    assert client.post("/tasks/2-3-3/edit/", data).status_code == 302
    assert list(task.units.order_by("position").values_list("department__code", flat=True)) == ["zjj", "zrzyj", "czj"]
    assert KeyTask.objects.get(pk=task.pk).lead_department_id == task.units.get(department__code="zjj").department_id
    log = AuditLog.objects.filter(object_type="tasks.keytask", message="responsible units").get()
    assert log.before == {"units": ["zrzyj", "zjj"]} and log.after == {"units": ["zjj", "zrzyj", "czj"]}
    # loading the plan again restores its order without tripping over the edited rows
    call_command("load_reference_data", verbosity=0)
    assert list(
        TaskUnit.objects.filter(task=task, position__lte=2)
        .order_by("position")
        .values_list("department__code", flat=True)
    ) == ["zrzyj", "zjj"]

    new = {
        **data,
        "code": "2027-1",
        "number": "一",
        "title": "后续行动方案任务",
        "units": "市工业和信息化局",
        "sort_order": 200,
    }
    assert client.post("/tasks/new/", new).status_code == 302
    assert KeyTask.objects.get(code="2027-1").units.get().department.code == "miit"
    assert client.get("/tasks/").content.decode().count("后续行动方案任务") == 1
    client.force_login(viewer)
    assert client.post("/tasks/new/", {**new, "code": "2027-2"}).status_code == 403
    assert not KeyTask.objects.filter(code="2027-2").exists()

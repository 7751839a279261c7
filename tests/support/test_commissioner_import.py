"""Commissioner assignments through the import engine (kind ``commissioners``): every bad row named
by row and column in Chinese, preview counts, commit, undo (the previous commissioner comes back),
county scoping per row, the management command and the upload from the coverage page."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from accounts.models import AuditLog
from enterprises.imports import services
from enterprises.models import ImportState
from support.models import CommissionerAssignment, CommissionerImportChange
from support.services import assign_commissioner
from tests import factories
from tests.enterprises.imports.conftest import uploaded

pytestmark = pytest.mark.django_db
D = dt.date
HEADERS = ("统一社会信用代码", "企业名称", "服务专员（用户名或姓名）", "起始日期")
PERSON = "服务专员（用户名或姓名）"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager():
    from jiangmen_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "服务专员"
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def check(user, data):
    imp = services.statistic_import_create(
        actor=user, uploaded_file=uploaded(data, "服务专员.xlsx"), enqueue=False, kind="commissioners"
    )
    return services.statistic_import_check(import_id=imp.pk)


def commit(user, imp, skip=False):
    services.statistic_import_confirm(actor=user, statistic_import=imp, skip_error_rows=skip, enqueue=False)
    return services.statistic_import_commit(import_id=imp.pk)


def current(enterprise):
    return CommissionerAssignment.objects.filter(enterprise=enterprise, is_current=True).first()


def test_import_checks_every_row_commits_and_undoes(city_operator, taishan_official, kaiping_official, jrj_user):
    kaiping_official.full_name = "李开平"
    kaiping_official.save()
    jrj_user.full_name = "王金融"
    jrj_user.save()
    a, c, d, e, f, g, h = (factories.make_enterprise("440781") for _ in range(7))
    b = factories.make_enterprise("440783", name="开平乙（江门）电子有限公司")
    assign_commissioner(actor=city_operator, enterprise=f, commissioner=taishan_official, starts_on=D(2026, 2, 1))
    assign_commissioner(actor=city_operator, enterprise=g, commissioner=taishan_official, starts_on=D(2025, 12, 1))
    assign_commissioner(actor=city_operator, enterprise=h, commissioner=taishan_official, starts_on=D(2025, 12, 1))
    data = workbook(
        [
            [a.credit_code, "", "taishan", "2026-01-05"],  # 2: new, by username
            ["", "开平乙 (江门) 电子有限公司", "李开平", "2026年1月6日"],  # 3: new, by name and full name
            [c.credit_code, "", "kaiping", ""],  # 4: 开平's official for a 台山 enterprise
            ["91440781ABC", "", "taishan", ""],  # 5: not a credit code
            [d.credit_code, "", "无此人", ""],  # 6: no such user
            [a.credit_code, "", "jrj", ""],  # 7: row 2 names the same enterprise
            [e.credit_code, "", "jrj", "2099-01-01"],  # 8: starts in the future
            [f.credit_code, "", "jrj", "2026-01-10"],  # 9: before the current assignment (1 Feb 2026)
            [g.credit_code, "", "王金融", "2026-03-01"],  # 10: changed: 台山's official → 王金融 (jrj)
            [h.credit_code, "", "taishan", "2026-06-01"],  # 11: the same commissioner: unchanged
            ["", "", "taishan", ""],  # 12: no enterprise named
        ]
    )
    imp = check(city_operator, data)
    assert imp.state == ImportState.CHECKED
    assert [(x["row"], x["column"]) for x in imp.errors] == [
        (4, PERSON),
        (5, "统一社会信用代码"),
        (6, PERSON),
        (7, "统一社会信用代码"),
        (8, "起始日期"),
        (9, "起始日期"),
        (12, "统一社会信用代码"),
    ]
    messages = {x["row"]: x["message"] for x in imp.errors}
    assert "县" in messages[4]
    assert "无此人" in messages[6] and "2" in messages[7]
    assert "2026-02-01" in messages[9]
    assert (imp.new_count, imp.changed_count, imp.unchanged_count) == (2, 1, 1)
    preview = {p["row"]: p for p in imp.preview}
    assert preview[10]["action"] == "changed" and preview[10]["changes"][0][2] == "王金融（jrj）"
    assert not CommissionerImportChange.objects.exists()  # a check writes nothing

    imp = commit(city_operator, imp, skip=True)
    assert imp.state == ImportState.COMMITTED
    assert (current(a).commissioner, current(a).starts_on, current(a).assigned_by) == (
        taishan_official,
        D(2026, 1, 5),
        city_operator,
    )
    assert (current(b).commissioner, current(b).starts_on) == (kaiping_official, D(2026, 1, 6))
    assert (current(g).commissioner, current(g).starts_on) == (jrj_user, D(2026, 3, 1))
    ended = CommissionerAssignment.objects.get(enterprise=g, commissioner=taishan_official)
    assert (ended.is_current, ended.ends_on) == (False, D(2026, 3, 1))
    assert current(h).starts_on == D(2025, 12, 1)  # unchanged
    assert current(f).commissioner == taishan_official and current(c) is None and current(d) is None
    assert CommissionerImportChange.objects.filter(statistic_import=imp).count() == 3
    assert AuditLog.objects.filter(action="import", object_id=str(imp.pk)).exists()

    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert current(a) is None and current(b) is None
    restored = current(g)
    assert (restored.pk, restored.commissioner, restored.ends_on) == (ended.pk, taishan_official, None)
    assert CommissionerAssignment.objects.filter(enterprise=g).count() == 1


def test_undo_refused_after_a_later_change(city_operator, taishan_official, jrj_user):
    a = factories.make_enterprise("440781")
    imp = commit(city_operator, check(city_operator, workbook([[a.credit_code, "", "taishan", "2026-01-05"]])))
    assign_commissioner(actor=city_operator, enterprise=a, commissioner=jrj_user, starts_on=D(2026, 2, 1))
    with pytest.raises(ValidationError):
        services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert current(a).commissioner == jrj_user
    assert CommissionerAssignment.objects.filter(enterprise=a).count() == 2


def test_county_official_imports_her_county_only(taishan_official, kaiping_official):
    own = factories.make_enterprise("440781")
    other = factories.make_enterprise("440783")
    imp = check(
        taishan_official,
        workbook([[other.credit_code, "", "kaiping", ""], [own.credit_code, "", "taishan", "2026-01-05"]]),
    )
    assert [(x["row"], x["column"]) for x in imp.errors] == [(2, "统一社会信用代码")]
    assert "开平市" in imp.errors[0]["message"] and imp.new_count == 1
    with pytest.raises(ValidationError):  # errors and no skip: nothing is written
        commit(taishan_official, imp)
    assert not CommissionerAssignment.objects.exists()
    imp = commit(taishan_official, check(taishan_official, workbook([[own.credit_code, "", "taishan", ""]])))
    assert imp.state == ImportState.COMMITTED and current(own).commissioner == taishan_official
    assert current(other) is None


def test_command(tmp_path, city_operator, taishan_official):
    a = factories.make_enterprise("440781")
    path = tmp_path / "服务专员.xlsx"
    path.write_bytes(workbook([[a.credit_code, "", "taishan", "2026-01-05"]]))
    out = StringIO()
    call_command("import_commissioners", str(path), "--dry-run", stdout=out)
    assert "新增：1" in out.getvalue() and not CommissionerAssignment.objects.exists()
    call_command("import_commissioners", str(path), "--user", "city", stdout=StringIO())
    assert current(a).commissioner == taishan_official
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([[a.credit_code, "", "无此人", ""]]))
    with pytest.raises(CommandError):
        call_command("import_commissioners", str(bad), stdout=StringIO())


def test_upload_from_the_coverage_page(client, taishan_official, viewer):
    a = factories.make_enterprise("440781")
    client.force_login(taishan_official)
    page = client.get("/support/coverage/").content.decode()
    assert "/enterprises/imports/upload/?kind=commissioners" in page
    template = client.get("/enterprises/imports/template/?kind=commissioners")
    header = [c.value for c in next(load_workbook(io.BytesIO(template.content))["服务专员"].iter_rows(max_row=1))]
    assert header == list(HEADERS)
    form = client.get("/enterprises/imports/upload/?kind=commissioners")
    assert form.status_code == 200 and "服务专员" in form.content.decode()
    response = client.post(
        "/enterprises/imports/upload/",
        {"kind": "commissioners", "file": uploaded(workbook([[a.credit_code, "", "taishan", ""]]), "专员.xlsx")},
    )
    assert response.status_code == 302
    from enterprises.models import StatisticImport

    imp = StatisticImport.objects.get()
    assert imp.kind == "commissioners" and imp.county_id == taishan_official.county_id
    client.force_login(viewer)
    assert "kind=commissioners" not in client.get("/support/coverage/").content.decode()

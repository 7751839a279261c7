"""The support ledger's import of a granting unit's 拨付名单 (the ``ledger`` kind of the import
engine): match by credit code or name, policy of the library by title or 文号 else free text,
amounts in 万元, errors naming row and column with nothing written, dry run, commit, idempotent
re-import, undo, audit, who may import, the command and the ledger page's links.

The file below, worked out by hand (department 市科技局, batch 2026年第一批 stated for the file):

- row 3: 甲 by credit code, the library's 研发奖补 by title, 50 万元 on 2026-03-15, 文号 江科〔2026〕12号:
  new; type 贷款贴息 from the policy, batch from the file;
- row 4: 乙 by name (half-width brackets and a space), 省技改专项 (not in the library, kept as text),
  12.5 万元 on 2026年3月20日, type 技术改造 from the row: new;
- row 5: 丙 by credit code, the library's policy by its 文号 江科〔2026〕3号, 25 万元 on 2026-02-01: the
  ledger already has 丙's grant of that policy, unit and date (20 万元, no batch): changed
  (20 → 25, batch "" → 2026年第一批);
- row 6: 甲 again, 人才奖励 (not in the library, no type in the row or the file), amount "五十",
  date 2099-01-01: three errors (扶持类型, 扶持金额（万元）, 拨付日期).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AuditLog, Department
from core.services import scoped_save
from enterprises.imports import services
from enterprises.models import ImportState
from policies.models import GrantImportChange, Policy, SupportGrant, SupportType
from tests import factories

pytestmark = pytest.mark.django_db

OPTIONS = {"department": "kjj", "batch": "2026年第一批", "support_type": ""}
HEADERS = ("序号", "企业名称", "统一社会信用代码", "政策名称", "扶持金额（万元）", "拨付日期", "文号", "扶持类型")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    kjj = Department.objects.get(code="kjj")
    policy = Policy.objects.create(
        title="江门市专精特新企业研发奖补",
        document_no="江科〔2026〕3号",
        issuing_department=kjj,
        support_type=SupportType.objects.get(code="loan-interest"),
        valid_from=dt.date(2026, 1, 1),
    )
    e = {
        "甲": factories.make_enterprise("440781", name="江门甲科技有限公司"),
        "乙": factories.make_enterprise("440783", name="开平乙（江门）电子有限公司"),
        "丙": factories.make_enterprise("440784", name="鹤山丙材料有限公司"),
    }
    existing = SupportGrant.objects.create(
        enterprise=e["丙"],
        policy=policy,
        department=kjj,
        support_type=SupportType.objects.get(code="loan-interest"),
        amount=Decimal("20"),
        granted_on=dt.date(2026, 2, 1),
    )
    return e, policy, existing


def disbursement_list(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "拨付名单"
    ws.append(["2026年江门市科学技术局专精特新扶持资金拨付名单"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(list(headers))
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def the_file(e) -> bytes:
    return disbursement_list(
        [
            [
                "江门甲科技有限公司",
                e["甲"].credit_code,
                "江门市专精特新企业研发奖补",
                50,
                "2026-03-15",
                "江科〔2026〕12号",
                "",
            ],
            ["开平乙 (江门) 电子有限公司", "", "省技改专项", "12.5", "2026年3月20日", "", "技术改造"],
            ["鹤山丙材料有限公司", e["丙"].credit_code, "江科〔2026〕3号", 25, "2026-02-01", "", ""],
            ["江门甲科技有限公司", e["甲"].credit_code, "人才奖励", "五十", "2099-01-01", "", ""],
        ]
    )


def upload(user, data, options=OPTIONS, name="拨付名单.xlsx"):
    f = SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return services.statistic_import_create(actor=user, uploaded_file=f, enqueue=False, kind="ledger", options=options)


def check(user, data, options=OPTIONS):
    return services.statistic_import_check(import_id=upload(user, data, options).pk)


def commit(user, imp, skip=False):
    services.statistic_import_confirm(actor=user, statistic_import=imp, skip_error_rows=skip, enqueue=False)
    return services.statistic_import_commit(import_id=imp.pk)


def ledger_state():
    return (
        list(SupportGrant.objects.order_by("pk").values()),
        GrantImportChange.objects.count(),
        AuditLog.objects.filter(action="import").count(),
    )


def test_check_names_row_and_column_and_writes_nothing(world, city_operator):
    e, policy, existing = world
    before = ledger_state()
    imp = check(city_operator, the_file(e))
    assert imp.state == ImportState.CHECKED
    assert [(x["row"], x["column"]) for x in imp.errors] == [(6, "扶持类型"), (6, "扶持金额（万元）"), (6, "拨付日期")]
    assert "扶持类型" in imp.errors[0]["message"]
    assert "五十" in imp.errors[1]["message"]
    assert "不能晚于今天" in imp.errors[2]["message"]
    assert (imp.new_count, imp.changed_count, imp.unchanged_count) == (2, 1, 0)
    preview = {p["row"]: p for p in imp.preview}
    assert preview[3]["action"] == "new" and preview[4]["action"] == "new" and preview[5]["action"] == "changed"
    assert preview[4]["changes"][0][0].startswith("省技改专项")
    assert [c[1:] for c in preview[5]["changes"]] == [["20.00", "25.00"], ["", "2026年第一批"]]
    assert ledger_state() == before  # a check writes nothing
    # a file with errors is not written unless the rows in error are explicitly skipped
    with pytest.raises(ValidationError):
        commit(city_operator, imp)
    assert ledger_state() == before


def test_commit_reimport_and_undo(world, city_operator):
    e, policy, existing = world
    imp = commit(city_operator, check(city_operator, the_file(e)), skip=True)
    assert imp.state == ImportState.COMMITTED
    a = SupportGrant.objects.get(enterprise=e["甲"])
    assert (a.policy_id, a.policy_text, a.department.code, a.support_type.code) == (
        policy.pk,
        "",
        "kjj",
        "loan-interest",
    )
    assert (a.amount, a.granted_on, a.batch, a.document_no) == (
        Decimal("50.00"),
        dt.date(2026, 3, 15),
        "2026年第一批",
        "江科〔2026〕12号",
    )
    b = SupportGrant.objects.get(enterprise=e["乙"])
    assert (b.policy_id, b.policy_text, b.support_type.code, b.amount, b.granted_on) == (
        None,
        "省技改专项",
        "tech-upgrade",
        Decimal("12.50"),
        dt.date(2026, 3, 20),
    )
    existing.refresh_from_db()
    assert (existing.amount, existing.batch, existing.version) == (Decimal("25.00"), "2026年第一批", 2)
    assert SupportGrant.objects.count() == 3
    assert GrantImportChange.objects.filter(statistic_import=imp).count() == 3
    assert AuditLog.objects.filter(action="import", object_id=str(imp.pk)).count() == 1

    again = check(city_operator, the_file(e))  # the same list again: nothing new
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 3)

    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert list(SupportGrant.objects.values_list("pk", flat=True)) == [existing.pk]
    existing.refresh_from_db()
    assert (existing.amount, existing.batch) == (Decimal("20.00"), "")


def test_undo_refused_after_a_later_change(world, city_operator):
    e, _policy, _existing = world
    imp = commit(city_operator, check(city_operator, the_file(e)), skip=True)
    grant = SupportGrant.objects.get(enterprise=e["乙"])
    grant.amount = Decimal("13")
    scoped_save(actor=city_operator, instance=grant)
    with pytest.raises(ValidationError) as error:
        services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert "4" in " ".join(error.value.messages)  # row 4 of the file
    assert SupportGrant.objects.count() == 3


def test_file_default_type_and_unknown_enterprise(world, city_operator):
    e, _policy, _existing = world
    data = disbursement_list(
        [
            ["江门甲科技有限公司", e["甲"].credit_code, "人才奖励", 3, "2026-05-01", "", ""],
            ["不存在有限公司", "", "人才奖励", 3, "2026-05-01", "", ""],
        ]
    )
    imp = check(city_operator, data, {**OPTIONS, "support_type": "talent"})
    assert [(x["row"], x["column"]) for x in imp.errors] == [(4, "企业名称")]
    commit(city_operator, imp, skip=True)
    assert SupportGrant.objects.get(enterprise=e["甲"]).support_type.code == "talent"


def test_only_the_city_operator_imports(world, taishan_official, department_user, viewer):
    """The ledger is written by the granting unit and the city, never by a county official; the
    engine's import is city-only for this kind (department users use the form)."""
    e, _policy, _existing = world
    for user in (taishan_official, department_user, viewer):
        with pytest.raises(PermissionDenied):
            upload(user, the_file(e))


def test_options_are_checked(world, city_operator):
    e, _policy, _existing = world
    with pytest.raises(ValidationError):
        upload(city_operator, the_file(e), {"department": "nope", "batch": "", "support_type": ""})
    with pytest.raises(ValidationError):
        upload(city_operator, the_file(e), {"department": "kjj", "batch": "", "support_type": "nope"})


def test_command(world, city_operator, tmp_path):
    e, _policy, _existing = world
    path = tmp_path / "拨付名单.xlsx"
    path.write_bytes(the_file(e))
    out = StringIO()
    with pytest.raises(CommandError):  # errors and no --skip-errors: nothing written
        call_command("import_grants", str(path), "--department", "kjj", stdout=out)
    assert SupportGrant.objects.count() == 1
    assert "6" in out.getvalue() and "扶持金额（万元）" in out.getvalue()
    call_command(
        "import_grants", str(path), "--department", "kjj", "--batch", "2026年第一批", "--skip-errors", stdout=StringIO()
    )
    assert SupportGrant.objects.count() == 3


def test_ledger_page_links_to_the_import(client, world, city_operator, department_user):
    client.force_login(city_operator)
    page = client.get(reverse("policies:ledger")).content.decode()
    assert "?kind=ledger" in page
    upload_page = client.get(reverse("enterprises:import_upload") + "?kind=ledger")
    assert upload_page.status_code == 200 and "江门市科学技术局" in upload_page.content.decode()
    template = client.get(reverse("enterprises:import_template") + "?kind=ledger")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(department_user)
    assert "?kind=ledger" not in client.get(reverse("policies:ledger")).content.decode()


def test_web_upload_preview_and_confirm(client, world, city_operator, django_capture_on_commit_callbacks):
    """Upload from the web form (jobs run in-process), the import page lists the errors by row and
    column and the preview, and confirming with the rows in error skipped writes the ledger."""
    from jiangmen_portal.celery import app

    e, _policy, _existing = world
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        client.force_login(city_operator)
        f = SimpleUploadedFile("拨付名单.xlsx", the_file(e))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("enterprises:import_upload") + "?kind=ledger",
                {"kind": "ledger", "file": f, "department": "kjj", "batch": "2026年第一批", "support_type": ""},
            )
        assert response.status_code == 302
        imp = services.StatisticImport.objects.get(kind="ledger")
        page = client.get(reverse("enterprises:import_detail", args=[imp.pk])).content.decode()
        assert "扶持金额（万元）" in page and "省技改专项（政策库以外）" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("enterprises:import_confirm", args=[imp.pk]), {"skip_error_rows": "on"})
    finally:
        app.conf.task_always_eager = previous
    imp.refresh_from_db()
    assert imp.state == ImportState.COMMITTED and SupportGrant.objects.count() == 3
    ledger = client.get(reverse("policies:ledger")).content.decode()
    assert "省技改专项" in ledger and "12.5" in ledger

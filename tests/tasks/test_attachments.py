"""Attachments: allowed types by content, size limit, refused files change nothing, scoped download."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from tasks import services
from tasks.attachments import check_upload
from tasks.models import ProgressReport, ReportAttachment
from tests import factories

from .conftest import docx_bytes, exe_bytes, pdf_bytes, png_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def upload(name, data):
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    "name, data, kind",
    [
        ("进展.pdf", pdf_bytes(), "pdf"),
        ("数据.xlsx", xlsx_bytes(), "xlsx"),
        ("报告.docx", docx_bytes(), "docx"),
        ("现场.png", png_bytes(), "png"),
        ("现场.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
    ],
)
def test_genuine_files_are_accepted(name, data, kind):
    assert check_upload(upload(name, data)).kind == kind


def _zip_without_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return out.getvalue()


def _macro_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 10)
    return out.getvalue()


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("进展.pdf", exe_bytes(), "可执行程序"),  # a renamed executable
        ("数据.xlsx", exe_bytes(), "可执行程序"),
        ("数据.xlsx", _zip_without_workbook(), "不是真正的"),  # an archive posing as a workbook
        ("报告.docx", xlsx_bytes(), "不是真正的"),  # a workbook renamed .docx
        ("数据.xlsx", b"PK\x03\x04garbage", "不是真正的"),  # damaged
        ("现场.png", pdf_bytes(), "不是真正的"),
        ("数据.xlsx", _macro_workbook(), "宏"),
        ("setup.exe", exe_bytes(), "不接受"),
        ("空.pdf", b"", "为空"),
    ],
)
def test_bad_files_are_refused_with_a_chinese_message_naming_the_file(name, data, words):
    with pytest.raises(ValidationError) as info:
        check_upload(upload(name, data))
    message = info.value.messages[0]
    assert words in message, message
    assert name in message


def test_size_limit_from_settings(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as info:
        check_upload(upload("大.pdf", b"%PDF-" + b"0" * 2000))
    assert "MB" in info.value.messages[0] and "大.pdf" in info.value.messages[0]


def test_a_refused_file_in_the_form_saves_nothing(client, czj_user, settings):
    client.force_login(czj_user)
    response = client.post(
        "/tasks/2-2-1/2025Q1/report/",
        {
            "progress_percent": 10,
            "summary": "带附件",
            "action": "submit",
            "uploads": [upload("好.pdf", pdf_bytes()), upload("病毒.pdf", exe_bytes())],
        },
    )
    assert response.status_code == 200
    assert "病毒.pdf" in response.content.decode() and "可执行程序" in response.content.decode()
    assert not ProgressReport.objects.exists() and not ReportAttachment.objects.exists()
    assert not AuditLog.objects.filter(object_type__startswith="tasks.").exists()
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_download_is_scoped_and_delete_only_while_editable(client, czj_user, department_user, taishan_official):
    report = factories.make_report("2-2-2", "2025Q1", department_code="czj", summary="s")  # miit leads 二（二）2
    data = xlsx_bytes()
    attachment = services.attachment_add(actor=czj_user, report=report, upload=upload("表.xlsx", data))
    assert (attachment.kind, attachment.size, attachment.original_name) == ("xlsx", len(data), "表.xlsx")
    client.force_login(czj_user)
    response = client.get(f"/tasks/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    assert "attachment" in response["Content-Disposition"]
    for other in (department_user, taishan_official):  # 市科技局 does not lead 二（二）2; a county never reads it
        client.force_login(other)
        assert client.get(f"/tasks/attachments/{attachment.pk}/").status_code == 404
        assert client.post(f"/tasks/attachments/{attachment.pk}/delete/").status_code in (403, 404)
    assert ReportAttachment.objects.filter(pk=attachment.pk).exists()
    ProgressReport.objects.filter(pk=report.pk).update(status="submitted")
    with pytest.raises(ValidationError):
        services.attachment_delete(actor=czj_user, attachment=attachment)
    ProgressReport.objects.filter(pk=report.pk).update(status="draft")
    client.force_login(czj_user)
    assert client.post(f"/tasks/attachments/{attachment.pk}/delete/").status_code == 302
    assert not ReportAttachment.objects.filter(pk=attachment.pk).exists()

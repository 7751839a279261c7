"""Files on requests: stored under MEDIA_ROOT with a random name, content-checked like report
attachments, limits from settings, audited, and served only through the scoped download view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from support import services
from support.models import RequestAttachment, RequestCategory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%material\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf(name="贷款申请.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def request_row(taishan_official, taishan_enterprise):
    row, _ = services.create_request(
        actor=taishan_official,
        enterprise=taishan_enterprise,
        category=RequestCategory.objects.get(code="finance"),  # handled by 市金融局 (jrj)
        description="申请技改贷款贴息",
        received_on=dt.date(2026, 11, 2),
    )
    return row


def files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def test_upload_store_audit_and_scoped_download(
    client, media, request_row, taishan_official, kaiping_official, jrj_user, viewer
):
    client.force_login(taishan_official)
    response = client.post(f"/support/requests/{request_row.pk}/attachments/", {"file": pdf()})
    assert response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert (attachment.original_name, attachment.kind, attachment.size) == ("贷款申请.pdf", "pdf", len(PDF))
    [stored] = files(media)
    assert stored.read_bytes() == PDF and stored.parent.parent.parent.name == "requests"
    assert "贷款申请" not in stored.name  # a random name on disk
    assert AuditLog.objects.filter(
        action="create", object_type="support.requestattachment", object_id=str(attachment.pk)
    ).exists()
    page = client.get(f"/support/requests/{request_row.pk}/").content.decode()
    assert "贷款申请.pdf" in page and f"/support/attachments/{attachment.pk}/" in page

    url = f"/support/attachments/{attachment.pk}/"
    for user in (jrj_user, viewer, taishan_official):  # the handler, a reader, the recorder
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
    client.force_login(kaiping_official)  # another county: neither the file nor the request
    assert client.get(url).status_code == 404
    assert client.post(f"/support/requests/{request_row.pk}/attachments/", {"file": pdf()}).status_code == 404
    client.force_login(viewer)  # reads, never writes
    assert client.post(f"/support/requests/{request_row.pk}/attachments/", {"file": pdf()}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert RequestAttachment.objects.count() == 1 and len(files(media)) == 1


def test_bad_files_are_refused_in_chinese_and_leave_nothing(client, settings, media, request_row, jrj_user):
    client.force_login(jrj_user)  # the handling department attaches too
    url = f"/support/requests/{request_row.pk}/attachments/"

    def refused(upload):
        page = client.post(url, {"file": upload}, follow=True).content.decode()
        assert RequestAttachment.objects.count() == 0 and files(media) == []
        return page

    assert "可执行程序" in refused(pdf("说明.pdf", b"MZ\x90\x00executable"))
    assert "不接受此类文件" in refused(pdf("说明.exe", PDF))
    settings.PORTAL_MAX_UPLOAD_BYTES = 10
    assert "MB" in refused(pdf())
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.PORTAL_REQUEST_MAX_ATTACHMENTS = 1
    client.post(url, {"file": pdf()})
    page = client.post(url, {"file": pdf("第二份.pdf")}, follow=True).content.decode()
    assert "最多 1 个附件" in page and RequestAttachment.objects.count() == 1


def test_a_closed_request_takes_no_more_files(city_operator, request_row):
    services.accept_request(actor=city_operator, request=request_row, today=dt.date(2026, 11, 2))
    services.reply_request(actor=city_operator, request=request_row, text="已答复", today=dt.date(2026, 11, 3))
    services.close_request(actor=city_operator, request=request_row, today=dt.date(2026, 11, 4))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.attachment_add(actor=city_operator, request=request_row, upload=pdf())
    assert not RequestAttachment.objects.exists()

"""Files of a policy (the document, the application guide, forms): uploaded and deleted by whoever
may change the policy (the city operator, the issuing department's users), read by every business
reader through the download view, content-checked like request and report attachments, stored
under MEDIA_ROOT with a random name, audited; listed on the policy page and in the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import AuditAction, Role
from accounts.models import AuditLog, Department
from core.models import DeletedRecord
from policies.models import Policy, PolicyAttachment, SupportType
from tests import factories
from tests.api.conftest import keyed

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%policy document\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def policy():
    """Issued by 市科技局 (kjj): its users and the city operator may change it."""
    return Policy.objects.create(
        title="研发费用补助",
        document_no="江科〔2026〕3号",
        issuing_department=Department.objects.get(code="kjj"),
        support_type=SupportType.objects.get(code="fund-award"),
        valid_from=dt.date(2026, 1, 1),
    )


@pytest.fixture
def other_department():
    return factories.make_user(Role.DEPARTMENT_USER, department_code="fgj", username="fgj")


def pdf(name="申报指南.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_issuing_unit_uploads_and_every_reader_downloads(
    client, media, policy, department_user, viewer, taishan_official
):
    client.force_login(department_user)
    before = Policy.objects.get(pk=policy.pk).updated_at
    response = client.post(f"/policies/{policy.pk}/attachments/", {"file": pdf()})
    assert response.status_code == 302
    attachment = PolicyAttachment.objects.get()
    assert (attachment.policy_id, attachment.original_name, attachment.kind, attachment.size) == (
        policy.pk,
        "申报指南.pdf",
        "pdf",
        len(PDF),
    )
    assert attachment.uploaded_by == department_user
    [stored] = files(media)
    assert stored.read_bytes() == PDF and "申报指南" not in stored.name  # a random name on disk
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, object_type="policies.policyattachment", object_id=str(attachment.pk)
    ).exists()
    assert Policy.objects.get(pk=policy.pk).updated_at > before  # API sync sees the new file
    url = f"/policies/{policy.pk}/attachments/{attachment.pk}/"
    page = client.get(f"/policies/{policy.pk}/").content.decode()
    assert "申报指南.pdf" in page and url in page and f"{url}delete/" in page

    for user in (viewer, taishan_official, department_user):  # policies are city-wide reference data
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
    client.force_login(viewer)  # a reader sees no upload form or delete button
    page = client.get(f"/policies/{policy.pk}/").content.decode()
    assert url in page and f"{url}delete/" not in page and "policy-attachment-form" not in page
    assert client.get(f"/policies/{policy.pk}/attachments/{attachment.pk + 1}/").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_city_operator_uploads_too(client, media, policy, city_operator):
    client.force_login(city_operator)
    assert client.post(f"/policies/{policy.pk}/attachments/", {"file": pdf("表格.pdf")}).status_code == 302
    assert list(PolicyAttachment.objects.values_list("original_name", flat=True)) == ["表格.pdf"]


def test_another_unit_a_county_and_a_viewer_cannot_upload(
    client, media, policy, other_department, taishan_official, viewer
):
    for user in (other_department, taishan_official, viewer):
        client.force_login(user)
        assert client.post(f"/policies/{policy.pk}/attachments/", {"file": pdf()}).status_code == 403
    assert not PolicyAttachment.objects.exists() and files(media) == []
    assert not AuditLog.objects.filter(object_type="policies.policyattachment").exists()


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (SimpleUploadedFile("安装程序.exe", b"MZ\x90\x00"), "“安装程序.exe”：不接受此类文件"),
        (SimpleUploadedFile("指南.pdf", b"MZ\x90\x00 renamed program"), "“指南.pdf”是可执行程序"),
        (SimpleUploadedFile("表格.xlsx", b"%PDF-1.4 not a workbook"), "“表格.xlsx”不是真正的"),
        (SimpleUploadedFile("空白.pdf", b""), "“空白.pdf”为空文件"),
    ],
)
def test_bad_files_are_refused_in_chinese_naming_the_field(client, media, policy, department_user, upload, expected):
    client.force_login(department_user)
    response = client.post(f"/policies/{policy.pk}/attachments/", {"file": upload}, follow=True)
    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("附件文件：") and expected in message, message
    assert not PolicyAttachment.objects.exists() and files(media) == []
    assert not AuditLog.objects.filter(object_type="policies.policyattachment").exists()


def test_no_file_chosen_names_the_field(client, media, policy, department_user):
    client.force_login(department_user)
    response = client.post(f"/policies/{policy.pk}/attachments/", {}, follow=True)
    assert messages_of(response) == ["附件文件：请选择要上传的文件。"]
    assert not PolicyAttachment.objects.exists()


def test_size_limit(client, settings, media, policy, department_user):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024 * 1024  # 1.0 MB
    client.force_login(department_user)
    big = pdf("政策原文.pdf", PDF + b"0" * (1024 * 1024))  # 1.0 MB + 26 bytes
    response = client.post(f"/policies/{policy.pk}/attachments/", {"file": big}, follow=True)
    [message] = messages_of(response)
    assert message == "附件文件：“政策原文.pdf”大小为 1.0 MB，附件不得超过 1.0 MB。"
    assert not PolicyAttachment.objects.exists() and files(media) == []
    exact = pdf("政策原文.pdf", PDF + b"0" * (1024 * 1024 - len(PDF)))  # exactly the limit: accepted
    assert client.post(f"/policies/{policy.pk}/attachments/", {"file": exact}).status_code == 302
    assert PolicyAttachment.objects.get().size == 1024 * 1024


def test_count_limit(client, settings, media, policy, department_user):
    settings.PORTAL_REQUEST_MAX_ATTACHMENTS = 2
    client.force_login(department_user)
    for name in ("一.pdf", "二.pdf"):
        assert client.post(f"/policies/{policy.pk}/attachments/", {"file": pdf(name)}).status_code == 302
    response = client.post(f"/policies/{policy.pk}/attachments/", {"file": pdf("三.pdf")}, follow=True)
    assert messages_of(response)[-1] == "附件文件：一项政策最多可上传 2 个附件。"
    assert PolicyAttachment.objects.count() == 2 and len(files(media)) == 2


def test_delete_by_who_may_edit_audited_with_tombstone(
    client, media, policy, department_user, other_department, viewer, django_capture_on_commit_callbacks
):
    client.force_login(department_user)
    client.post(f"/policies/{policy.pk}/attachments/", {"file": pdf()})
    attachment = PolicyAttachment.objects.get()
    url = f"/policies/{policy.pk}/attachments/{attachment.pk}/delete/"
    for user in (other_department, viewer):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert PolicyAttachment.objects.exists() and len(files(media)) == 1

    client.force_login(department_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert not PolicyAttachment.objects.exists() and files(media) == []
    assert AuditLog.objects.filter(
        action=AuditAction.DELETE, object_type="policies.policyattachment", object_id=str(attachment.pk)
    ).exists()
    assert DeletedRecord.objects.filter(model="policies.policyattachment", object_id=attachment.pk).exists()
    assert client.get(f"/policies/{policy.pk}/attachments/{attachment.pk}/").status_code == 404


def test_api_lists_the_files(client, media, policy, department_user):
    client.force_login(department_user)
    client.post(f"/policies/{policy.pk}/attachments/", {"file": pdf()})
    attachment = PolicyAttachment.objects.get()
    body = keyed("数据平台（只读）").client.get(f"/api/v1/policies/{policy.pk}/").json()
    [row] = body["attachments"]
    assert row["id"] == attachment.pk and row["name"] == "申报指南.pdf"
    assert (row["size"], row["content_type"]) == (len(PDF), "application/pdf")
    assert row["download_url"] == f"http://testserver/policies/{policy.pk}/attachments/{attachment.pk}/"
    # the URL works for a portal reader
    assert b"".join(client.get(row["download_url"]).streaming_content) == PDF

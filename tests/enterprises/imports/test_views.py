"""Import pages: who may open what, and the upload → preview → confirm → undo flow over HTTP."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises.imports import services
from enterprises.models import ImportState, Statistic, StatisticImport
from tests.enterprises.imports.conftest import db_state, uploaded
from tests.factories import make_enterprise, make_statistics_workbook, statistics_row

pytestmark = pytest.mark.django_db


def checked_import(user, enterprise, **figures):
    imp = services.statistic_import_create(
        actor=user,
        enqueue=False,
        uploaded_file=uploaded(
            make_statistics_workbook([statistics_row(enterprise, "2024Q1", **(figures or {"revenue": 7}))])
        ),
    )
    return services.statistic_import_check(import_id=imp.pk)


def test_upload_preview_confirm_and_undo_over_http(
    client, taishan_official, city_operator, taishan_enterprise, django_capture_on_commit_callbacks
):
    client.force_login(taishan_official)
    assert client.get(reverse("enterprises:import_upload")).status_code == 200
    template = client.get(reverse("enterprises:import_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    data = make_statistics_workbook([statistics_row(taishan_enterprise, "2024Q1", revenue=7)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:import_upload"), {"file": uploaded(data)})
    imp = StatisticImport.objects.get()
    assert response.status_code == 302 and response["Location"] == imp.get_absolute_url()
    page = client.get(imp.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "import-confirm-form" in html and imp.checksum in html
    status = client.get(reverse("enterprises:import_status", args=[imp.pk])).json()
    assert status["finished"] and status["state"] == ImportState.CHECKED and status["progress"] == 100
    assert not Statistic.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enterprises:import_confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.state == ImportState.COMMITTED
    assert Statistic.objects.get(enterprise=taishan_enterprise).revenue == Decimal("7.00")
    history = client.get(reverse("enterprises:import_list")).content.decode()
    assert imp.file_name in history and imp.checksum[:12] in history

    # the county official may undo her own county's import within 7 days, not later; the city operator may
    assert "import-undo-form" in client.get(imp.get_absolute_url()).content.decode()
    committed_at = imp.committed_at
    StatisticImport.objects.filter(pk=imp.pk).update(committed_at=committed_at - dt.timedelta(days=7, minutes=1))
    assert "import-undo-form" not in client.get(imp.get_absolute_url()).content.decode()
    assert client.post(reverse("enterprises:import_undo", args=[imp.pk])).status_code == 403
    StatisticImport.objects.filter(pk=imp.pk).update(committed_at=committed_at)
    client.force_login(city_operator)
    assert "import-undo-form" in client.get(imp.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("enterprises:import_undo", args=[imp.pk]))
    assert callbacks  # statistics_changed is sent after commit
    assert not Statistic.objects.exists()


def test_other_county_cannot_see_or_confirm_an_import(client, taishan_official, kaiping_official, taishan_enterprise):
    imp = checked_import(taishan_official, taishan_enterprise)
    client.force_login(kaiping_official)
    for name in ("import_detail", "import_status"):
        assert client.get(reverse(f"enterprises:{name}", args=[imp.pk])).status_code == 404
    before = db_state()
    assert (
        client.post(reverse("enterprises:import_confirm", args=[imp.pk]), {"skip_error_rows": "on"}).status_code == 404
    )
    assert client.post(reverse("enterprises:import_undo", args=[imp.pk])).status_code == 404
    assert db_state() == before
    assert imp.file_name not in client.get(reverse("enterprises:import_list")).content.decode()
    imp.refresh_from_db()
    assert imp.state == ImportState.CHECKED


def test_city_operator_sees_every_county(client, taishan_official, city_operator, taishan_enterprise):
    imp = checked_import(taishan_official, taishan_enterprise)
    client.force_login(city_operator)
    assert imp.file_name in client.get(reverse("enterprises:import_list")).content.decode()
    assert client.get(imp.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role_fixture", ["viewer", "department_user"])
def test_read_only_roles_may_not_upload_or_confirm(client, request, role_fixture, taishan_official, taishan_enterprise):
    imp = checked_import(taishan_official, taishan_enterprise)
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(reverse("enterprises:import_upload")).status_code == 403
    assert client.get(reverse("enterprises:import_template")).status_code == 403
    before = db_state()
    assert client.post(reverse("enterprises:import_upload"), {"file": uploaded(b"x")}).status_code == 403
    assert client.post(reverse("enterprises:import_confirm", args=[imp.pk])).status_code == 403
    assert client.post(reverse("enterprises:import_undo", args=[imp.pk])).status_code == 403
    assert db_state() == before
    assert client.get(reverse("enterprises:import_list")).status_code == 200  # history is readable


def test_system_admin_has_no_business_access(client, system_admin):
    client.force_login(system_admin)
    assert client.get(reverse("enterprises:import_list")).status_code == 403
    assert client.get(reverse("enterprises:import_upload")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("enterprises:import_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_confirm_without_skipping_errors_writes_nothing(
    client, taishan_official, taishan_enterprise, django_capture_on_commit_callbacks
):
    other = make_enterprise("440781")
    imp = services.statistic_import_create(
        actor=taishan_official,
        enqueue=False,
        uploaded_file=uploaded(
            make_statistics_workbook(
                [statistics_row(taishan_enterprise, "2024Q1", revenue=1), statistics_row(other, "2024Q1", employees=-3)]
            )
        ),
    )
    services.statistic_import_check(import_id=imp.pk)
    client.force_login(taishan_official)
    html = client.get(imp.get_absolute_url()).content.decode()
    assert "id_skip_error_rows" in html and "从业人员（人）" in html
    before = db_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:import_confirm", args=[imp.pk]), follow=True)
    assert "跳过出错的行" in response.content.decode()
    assert db_state() == before
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("enterprises:import_confirm", args=[imp.pk]), {"skip_error_rows": "on"})
    imp.refresh_from_db()
    assert imp.state == ImportState.COMMITTED and Statistic.objects.count() == 1


def test_detail_marks_a_stale_job_failed(client, taishan_official, taishan_enterprise):
    import datetime as dt

    from django.utils import timezone

    imp = checked_import(taishan_official, taishan_enterprise)
    StatisticImport.objects.filter(pk=imp.pk).update(status="running", started_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(taishan_official)
    status = client.get(reverse("enterprises:import_status", args=[imp.pk])).json()
    assert status["status"] == "failed" and status["finished"] and status["message"]


def test_history_has_no_query_per_row(
    client, django_assert_max_num_queries, taishan_official, city_operator, taishan_enterprise
):
    for _ in range(5):
        checked_import(taishan_official, taishan_enterprise)
    client.force_login(city_operator)
    # session, user, OTP device and session refresh (security middleware) + the page's own queries
    with django_assert_max_num_queries(11):
        client.get(reverse("enterprises:import_list"))


def test_a_stale_undo_job_leaves_the_import_committed(client, taishan_official, city_operator, taishan_enterprise):
    import datetime as dt

    from django.utils import timezone

    imp = checked_import(taishan_official, taishan_enterprise)
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    services.statistic_import_commit(import_id=imp.pk)
    services.statistic_import_undo_request(actor=city_operator, statistic_import=imp, enqueue=False)
    StatisticImport.objects.filter(pk=imp.pk).update(started_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(city_operator)
    status = client.get(reverse("enterprises:import_status", args=[imp.pk])).json()
    assert status["status"] == "failed" and status["state"] == ImportState.COMMITTED
    assert Statistic.objects.filter(enterprise=taishan_enterprise).exists()
    imp.refresh_from_db()
    assert imp.undone_by is None
    assert "import-undo-form" in client.get(imp.get_absolute_url()).content.decode()  # may try again


def test_undo_request_reports_a_later_edit_at_once(client, taishan_official, city_operator, taishan_enterprise):
    from enterprises.services import statistic_save

    imp = checked_import(taishan_official, taishan_enterprise)
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    services.statistic_import_commit(import_id=imp.pk)
    stat = Statistic.objects.get(enterprise=taishan_enterprise)
    stat.employees = 3
    statistic_save(actor=taishan_official, statistic=stat)
    client.force_login(city_operator)
    response = client.post(reverse("enterprises:import_undo", args=[imp.pk]), follow=True)
    assert "之后又被修改" in response.content.decode()
    imp.refresh_from_db()
    assert imp.state == ImportState.COMMITTED and imp.status == "succeeded"

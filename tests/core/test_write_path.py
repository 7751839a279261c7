"""The one optimistic-lock check and the bulk update of the shared core (``core.services``)."""

import datetime as dt

import pytest

from core.services import StaleEditError, bulk_update, check_version
from enterprises import services as enterprise_services
from enterprises.choices import TitleStatus
from enterprises.dynamics import services as dynamics_services
from enterprises.models import Title
from tests import factories

pytestmark = pytest.mark.django_db


def test_check_version_passes_the_stored_version_and_refuses_another(taishan_enterprise):
    title = factories.make_title(taishan_enterprise, "innovative", dt.date(2024, 1, 1))
    assert title.version == 1
    check_version(title, 1)
    check_version(title, "1")  # as posted by a form
    check_version(title, None)  # a job knows no version
    check_version(title, "")
    with pytest.raises(StaleEditError) as refused:
        check_version(title, 2)
    assert refused.value.code == "stale" and "重新" in refused.value.messages[0]


def test_bulk_update_bumps_version_and_updated_at_of_the_rows_it_changes_only(taishan_enterprise):
    changed = factories.make_title(taishan_enterprise, "innovative", dt.date(2020, 1, 1))
    already = factories.make_title(taishan_enterprise, "innovative", dt.date(2021, 1, 1), status=TitleStatus.EXPIRED)
    stamp = changed.updated_at
    count = bulk_update(Title.objects.filter(pk__in=[changed.pk, already.pk]), status=TitleStatus.EXPIRED)
    assert count == 1
    changed.refresh_from_db()
    already.refresh_from_db()
    assert (changed.status, changed.version) == (TitleStatus.EXPIRED, 2)
    assert changed.updated_at > stamp
    assert already.version == 1  # left alone: it held the value already


def test_an_edit_opened_before_the_lapse_job_is_refused_not_lost(taishan_enterprise, taishan_official):
    """The nightly lapse job stores ``expired`` with a version bump: a form opened before it (version
    1) cannot write the title back as it was."""
    title = factories.make_title(taishan_enterprise, "innovative", dt.date(2020, 1, 1), valid_until=dt.date(2023, 1, 1))
    opened = Title.objects.get(pk=title.pk)  # the edit form, version 1
    assert dynamics_services.titles_mark_lapsed(date=dt.date(2024, 1, 1)) == 1
    title.refresh_from_db()
    assert (title.status, title.version) == (TitleStatus.EXPIRED, 2)
    opened.document_no = "江工信〔2024〕1号"
    with pytest.raises(StaleEditError):
        enterprise_services.title_save(actor=taishan_official, title=opened, expected_version=1)
    title.refresh_from_db()
    assert title.status == TitleStatus.EXPIRED and title.document_no == ""

"""The review calendar: expiry windows and their edges, pending reviews keeping a title valid,
review outcomes and revocations, the nightly job, the yearly data-update check, dashboard counts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import AuditLog
from enterprises.choices import TitleStatus
from enterprises.dynamics import selectors, services
from enterprises.dynamics.tasks import refresh_review_calendar
from enterprises.models import (
    AlertKind,
    DynamicsAlert,
    ReviewOutcome,
    RevocationGround,
    Statistic,
    Title,
    TitleReview,
    TitleRevocation,
)
from tests import factories

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 1)


def title_until(enterprise, valid_until, tier="innovative"):
    return factories.make_title(enterprise, tier, valid_until - dt.timedelta(days=800), valid_until=valid_until)


def test_expiry_window_edges(taishan_enterprise, city_operator):
    today = title_until(taishan_enterprise, D)
    day_90 = title_until(factories.make_enterprise("440781"), D + dt.timedelta(days=90))
    day_91 = title_until(factories.make_enterprise("440781"), D + dt.timedelta(days=91))
    day_180 = title_until(factories.make_enterprise("440781"), D + dt.timedelta(days=180))
    day_181 = title_until(factories.make_enterprise("440781"), D + dt.timedelta(days=181))
    yesterday = title_until(factories.make_enterprise("440781"), D - dt.timedelta(days=1))

    in_90 = set(selectors.expiring_titles(city_operator, date=D, days=90))
    assert in_90 == {today, day_90}  # today (expires today, still valid) and exactly 90 days are inside
    assert set(selectors.expiring_titles(city_operator, date=D, days=180)) == {today, day_90, day_91, day_180}
    assert day_181 not in set(selectors.expiring_titles(city_operator, date=D, days=180))
    assert Title.objects.valid_on(D).filter(pk=today.pk).exists()
    assert not Title.objects.valid_on(D).filter(pk=yesterday.pk).exists()
    assert set(selectors.lost_titles(city_operator, date=D)) == {yesterday}  # lapsed yesterday without review


def test_pending_review_keeps_a_lapsed_title_valid(taishan_enterprise, taishan_official):
    title = title_until(taishan_enterprise, D - dt.timedelta(days=10))
    review = services.review_record(
        actor=taishan_official, title=title, outcome=ReviewOutcome.PENDING, started_on=D - dt.timedelta(days=30)
    )
    title.refresh_from_db()
    assert title.status == TitleStatus.UNDER_REVIEW
    assert Title.objects.valid_on(D).filter(pk=title.pk).exists()  # past valid_until, but under review
    assert list(selectors.pending_reviews(taishan_official)) == [review]
    assert title not in set(selectors.lost_titles(taishan_official, date=D))
    assert title not in set(selectors.expiring_titles(taishan_official, date=D, days=180))
    assert services.titles_mark_lapsed(date=D) == 0  # the nightly job leaves it alone
    title.refresh_from_db()
    assert title.status == TitleStatus.UNDER_REVIEW
    with pytest.raises(ValidationError):  # a second pending review is refused, nothing changes
        services.review_record(actor=taishan_official, title=title, outcome=ReviewOutcome.PENDING)
    assert TitleReview.objects.count() == 1


def test_passed_review_extends_by_the_tier_validity(taishan_enterprise, taishan_official):
    title = factories.make_title(taishan_enterprise, "provincial", dt.date(2023, 12, 20))
    assert title.valid_until == dt.date(2026, 12, 19)
    services.review_record(
        actor=taishan_official, title=title, outcome=ReviewOutcome.PENDING, started_on=dt.date(2026, 9, 1)
    )
    review = services.review_record(
        actor=taishan_official,
        title=title,
        outcome=ReviewOutcome.PASSED,
        decided_on=dt.date(2026, 10, 15),
        document_no="粤工信〔2026〕88号",
    )
    title.refresh_from_db()
    assert (review.previous_valid_until, review.new_valid_until) == (dt.date(2026, 12, 19), dt.date(2029, 12, 19))
    assert title.valid_until == dt.date(2029, 12, 19) and title.status == TitleStatus.VALID
    assert TitleReview.objects.get().outcome == ReviewOutcome.PASSED  # the pending review was decided
    assert AuditLog.objects.filter(object_type="enterprises.title", object_id=str(title.pk)).count() == 2


def test_failed_review_ends_the_title(taishan_enterprise, taishan_official):
    title = title_until(taishan_enterprise, dt.date(2026, 3, 31))
    services.review_record(
        actor=taishan_official, title=title, outcome=ReviewOutcome.FAILED, decided_on=dt.date(2026, 4, 20)
    )
    title.refresh_from_db()
    assert title.ended_on == dt.date(2026, 4, 20) and title.status == TitleStatus.EXPIRED
    assert not Title.objects.valid_on(dt.date(2026, 4, 20)).filter(pk=title.pk).exists()
    assert title in set(selectors.lost_titles(taishan_official, date=D))
    with pytest.raises(ValidationError):  # an ended title cannot be reviewed again
        services.review_record(actor=taishan_official, title=title, outcome=ReviewOutcome.PASSED, decided_on=D)


def test_revocation_with_ground_cancels_pending_review(taishan_enterprise, taishan_official):
    title = title_until(taishan_enterprise, dt.date(2027, 1, 1))
    services.review_record(actor=taishan_official, title=title, outcome=ReviewOutcome.PENDING, started_on=D)
    services.title_revoke(
        actor=taishan_official,
        title=title,
        ground="false_materials",
        revoked_on=D + dt.timedelta(days=5),
        document_no="江工信〔2026〕5号",
    )
    title.refresh_from_db()
    assert title.status == TitleStatus.REVOKED and title.ended_on == D + dt.timedelta(days=5)
    assert title.end_reason == str(RevocationGround.FALSE_MATERIALS.label)
    assert TitleReview.objects.get().outcome == ReviewOutcome.CANCELLED
    assert TitleRevocation.objects.get().ground == "false_materials"


def test_bad_revocation_changes_nothing(taishan_enterprise, taishan_official):
    title = title_until(taishan_enterprise, dt.date(2027, 1, 1))
    before = (title.status, title.version, AuditLog.objects.count())
    with pytest.raises(ValidationError):
        services.title_revoke(
            actor=taishan_official, title=title, ground="incident", revoked_on=dt.date.today() + dt.timedelta(days=30)
        )
    with pytest.raises(ValidationError):
        services.title_revoke(actor=taishan_official, title=title, ground="no-such-ground", revoked_on=D)
    title.refresh_from_db()
    assert (title.status, title.version, AuditLog.objects.count()) == before
    assert not TitleRevocation.objects.exists()


def test_another_county_cannot_review_or_revoke(taishan_enterprise, kaiping_official, viewer):
    title = title_until(taishan_enterprise, dt.date(2027, 1, 1))
    with pytest.raises(Http404):
        services.review_record(actor=kaiping_official, title=title, outcome=ReviewOutcome.PENDING)
    with pytest.raises(Http404):
        services.title_revoke(actor=kaiping_official, title=title, ground="incident", revoked_on=D)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.review_record(actor=viewer, title=title, outcome=ReviewOutcome.PENDING)
    assert not TitleReview.objects.exists()
    assert list(selectors.expiring_titles(kaiping_official, date=dt.date(2026, 11, 1), days=180)) == []


def test_nightly_job_expires_lapsed_titles_and_refreshes_alerts(taishan_enterprise, kaiping_enterprise):
    lapsed = title_until(taishan_enterprise, D - dt.timedelta(days=3))
    expiring = title_until(kaiping_enterprise, D + dt.timedelta(days=100))
    result = refresh_review_calendar.delay(D.isoformat()).get()
    assert result["expired"] == 1
    lapsed.refresh_from_db()
    assert lapsed.status == TitleStatus.EXPIRED
    log = AuditLog.objects.get(object_type="enterprises.title", object_id=str(lapsed.pk))
    assert log.source == "job" and log.county_code == "440781" and "status" in log.changed_fields
    kinds = {(a.kind, a.title_id) for a in DynamicsAlert.objects.all()}
    assert (AlertKind.EXPIRING, expiring.pk) in kinds and (AlertKind.LAPSED, lapsed.pk) in kinds
    again = refresh_review_calendar.delay(D.isoformat()).get()  # idempotent
    assert again["expired"] == 0 and DynamicsAlert.objects.count() == len(kinds)


def test_data_update_deadline(taishan_enterprise, city_operator):
    on_time = taishan_enterprise
    late = factories.make_enterprise("440781")
    never = factories.make_enterprise("440781")
    untitled = factories.make_enterprise("440781")
    for e in (on_time, late, never):
        factories.make_title(e, "innovative", dt.date(2024, 7, 1))
    factories.make_annual(on_time, 2025, revenue=1000)
    factories.make_annual(late, 2025, revenue=1000)
    factories.make_annual(untitled, 2024, revenue=1000)
    deadline_end = dt.datetime(2026, 5, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    Statistic.objects.filter(enterprise=on_time).update(created_at=deadline_end)  # entered on the last day
    Statistic.objects.filter(enterprise=late).update(created_at=deadline_end + dt.timedelta(minutes=2))

    on_deadline_day = selectors.data_update_check(city_operator, date=dt.date(2026, 5, 31))
    assert on_deadline_day.deadline.deadline == dt.date(2025, 4, 30)  # 2026's deadline has not passed yet
    assert on_deadline_day.upcoming.deadline == dt.date(2026, 5, 31)
    assert set(on_deadline_day.not_yet) == {never}

    after = selectors.data_update_check(city_operator, date=dt.date(2026, 6, 1))
    assert after.deadline.year == 2026 and after.deadline.data_year == 2025
    assert set(after.missed) == {late, never}


def test_expiring_counts_per_county_for_dashboards(taishan_enterprise, kaiping_enterprise, taishan_official):
    title_until(taishan_enterprise, dt.date(2026, 12, 19), tier="provincial")
    title_until(factories.make_enterprise("440781"), dt.date(2026, 2, 1))
    title_until(kaiping_enterprise, dt.date(2026, 7, 1))
    ended = title_until(factories.make_enterprise("440783"), dt.date(2026, 9, 1))
    Title.objects.filter(pk=ended.pk).update(ended_on=dt.date(2025, 5, 1), status=TitleStatus.REVOKED)
    title_until(factories.make_enterprise("440783"), dt.date(2027, 1, 1))  # another year

    counts = selectors.expiring_counts(None, 2026)
    assert counts["440781"] == {"total": 2, "provincial": 1, "innovative": 1}
    assert counts["440783"] == {"total": 1, "innovative": 1}
    assert counts["440703"] == {"total": 0}  # every county present
    assert selectors.expiring_counts(taishan_official, 2026) == {
        "440781": {"total": 2, "provincial": 1, "innovative": 1}
    }

"""Writes of dynamic management (HackSoft style: keyword-only ``<entity>_<action>``).

Reviews, revocations and reserve entries are county-scoped business rows: every write goes through
``core.services.scoped_save`` (scope check on the row as stored and as it will be, stale
edit refusal, ``full_clean``, audit record) inside one transaction with the title it changes, so a
refused write changes nothing. Criteria rows are city reference data: only a role with city-wide
write may edit them, with an audit record. The two job functions (``titles_mark_lapsed`` and
``alerts_refresh``) run as the system (no user) and audit their bulk writes with ``record_many``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction
from core import jobs
from core.scoping import CHANGE, require, scope_for
from core.services import bulk_update, check_version, scoped_save

from ..choices import TitleStatus
from ..models import (
    RESERVE_TRANSITIONS,
    AlertKind,
    Criterion,
    DynamicsAlert,
    Enterprise,
    ReserveEntry,
    ReservePoolRefresh,
    ReserveStatus,
    ReserveVerdict,
    ReviewOutcome,
    RevocationGround,
    Tier,
    Title,
    TitleReview,
    TitleRevocation,
    add_years,
)
from ..services import title_save
from . import precheck_sql, selectors
from .precheck import NOT_ELIGIBLE

#: The Celery task (``dynamics/tasks.py``) that refreshes the precomputed reserve-pool verdicts.
REFRESH_VERDICTS_TASK = "enterprises.refresh_reserve_verdicts"

# -- reviews (复核) ---------------------------------------------------------------------------------


def _lock_title(title: Title, expected_version) -> Title:
    """The title as stored, locked; refuse an edit based on an outdated version of it."""
    stored = Title.objects.select_for_update().select_related("tier", "enterprise").get(pk=title.pk)
    check_version(stored, expected_version)
    return stored


def _refuse_ended(title: Title) -> None:
    if title.ended_on is not None or title.status == TitleStatus.REVOKED:
        raise ValidationError(
            _("This title already ended on %(date)s; it cannot be reviewed or revoked.")
            % {"date": title.ended_on.isoformat() if title.ended_on else "—"},
            code="ended",
        )


def review_record(
    *,
    actor,
    title: Title,
    outcome: str,
    started_on: dt.date | None = None,
    decided_on: dt.date | None = None,
    document_no: str = "",
    note: str = "",
    expected_version=None,
) -> TitleReview:
    """Record a review of ``title``.

    * pending: the review starts; the title is under review (and stays valid until decided).
    * passed: the title's validity is extended by the tier's validity (from the day after the
      current end: valid until 2026-12-19 → 2029-12-19).
    * failed: the title ends on ``decided_on``.
    A pending review of the title, if any, is the one decided; otherwise a decided review is
    recorded in one step."""
    require(actor, CHANGE, title)
    if outcome not in ReviewOutcome.values or outcome == ReviewOutcome.CANCELLED:
        raise ValidationError({"outcome": _("Choose pending, passed or failed.")})
    with transaction.atomic():
        title = _lock_title(title, expected_version)
        _refuse_ended(title)
        review = TitleReview.objects.select_for_update().filter(title=title, outcome=ReviewOutcome.PENDING).first()
        if outcome == ReviewOutcome.PENDING:
            if review is not None:
                raise ValidationError(
                    _("A review of this title is already pending (since %(date)s).")
                    % {"date": review.started_on.isoformat()},
                    code="pending",
                )
            review = TitleReview(
                title=title, started_on=started_on or timezone.localdate(), previous_valid_until=title.valid_until
            )
            title.status = TitleStatus.UNDER_REVIEW
            message = _("review started")
        else:
            if decided_on is None:
                raise ValidationError({"decided_on": _("A decided review needs the date of the decision.")})
            if review is None:
                review = TitleReview(
                    title=title, started_on=started_on or decided_on, previous_valid_until=title.valid_until
                )
            review.decided_on = decided_on
            if outcome == ReviewOutcome.PASSED:
                review.new_valid_until = add_years(title.valid_until + dt.timedelta(days=1), title.tier.validity_years)
                title.valid_until = review.new_valid_until
                title.status = TitleStatus.VALID
                message = _("review passed: valid until %(date)s") % {"date": review.new_valid_until.isoformat()}
            else:
                title.status = TitleStatus.EXPIRED
                title.ended_on = decided_on
                title.end_reason = (_("Failed review %(doc)s") % {"doc": document_no}).strip()
                message = _("review failed: title ended on %(date)s") % {"date": decided_on.isoformat()}
        review.outcome = outcome
        review.document_no = document_no or review.document_no
        review.note = note or review.note
        # The review row first (its own checks), then the title it changes; any refusal rolls back both.
        scoped_save(actor=actor, instance=review, message=message)
        scoped_save(actor=actor, instance=title, message=message)
    return review


# -- revocation -------------------------------------------------------------------------------------


def title_revoke(
    *,
    actor,
    title: Title,
    ground: str,
    revoked_on: dt.date,
    document_no: str = "",
    note: str = "",
    expected_version=None,
) -> TitleRevocation:
    """Revoke ``title`` on ``revoked_on`` for ``ground``; a pending review is cancelled."""
    require(actor, CHANGE, title)
    if ground not in RevocationGround.values:
        raise ValidationError({"ground": _("Choose the ground of the revocation.")})
    with transaction.atomic():
        title = _lock_title(title, expected_version)
        _refuse_ended(title)
        revocation = TitleRevocation(
            title=title, ground=ground, revoked_on=revoked_on, document_no=document_no, note=note
        )
        message = _("revoked: %(ground)s") % {"ground": RevocationGround(ground).label}
        scoped_save(actor=actor, instance=revocation, message=message)
        for review in TitleReview.objects.select_for_update().filter(title=title, outcome=ReviewOutcome.PENDING):
            review.outcome = ReviewOutcome.CANCELLED
            review.decided_on = max(revoked_on, review.started_on)
            scoped_save(actor=actor, instance=review, message=message)
        title.status = TitleStatus.REVOKED
        title.ended_on = revoked_on
        title.end_reason = (
            f"{RevocationGround(ground).label}：{note}" if note else str(RevocationGround(ground).label)
        )[:300]
        scoped_save(actor=actor, instance=title, message=message)
    return revocation


# -- reserve pool -----------------------------------------------------------------------------------


def reserve_recommend(
    *, actor, enterprise: Enterprise, tier: Tier, year: int, date: dt.date | None = None, note: str = ""
) -> ReserveEntry:
    """Recommend ``enterprise`` for ``tier`` in ``year``'s batch, keeping the pre-check (criteria in
    force on ``date``) with the entry. An enterprise the pre-check finds not eligible needs a note
    saying why it is recommended anyway."""
    require(actor, CHANGE, enterprise)
    date = date or timezone.localdate()
    if year not in (date.year, date.year + 1):
        raise ValidationError(
            {
                "year": _("Recommend for this year's or next year's batch (%(a)s or %(b)s).")
                % {"a": date.year, "b": date.year + 1}
            }
        )
    if Title.objects.valid_on(date).filter(enterprise=enterprise, tier__rank__gte=tier.rank).exists():
        raise ValidationError(
            _("%(name)s already holds a valid title of %(tier)s or above.")
            % {"name": enterprise.name, "tier": tier.name},
            code="held",
        )
    result = selectors.precheck_enterprise(enterprise, tier=tier, date=date)
    if result is not None and result.status == NOT_ELIGIBLE and not note.strip():
        raise ValidationError(
            {
                "note": _(
                    "The pre-check finds %(name)s not eligible for %(tier)s: say in the note "
                    "why it is recommended anyway."
                )
                % {"name": enterprise.name, "tier": tier.name}
            }
        )
    entry = ReserveEntry(
        enterprise=enterprise,
        target_tier=tier,
        year=year,
        status=ReserveStatus.RECOMMENDED,
        recommended_on=date,
        note=note.strip(),
        precheck_status=result.status if result else "",
        precheck_score=result.score_min if result else None,
        precheck_score_max=result.score_max if result else None,
        criteria_set_id=result.spec.pk if result else None,
    )
    return scoped_save(
        actor=actor,
        instance=entry,
        message=_("recommended for %(tier)s %(year)s") % {"tier": tier.short_name, "year": year},
    )


def reserve_advance(
    *,
    actor,
    entry: ReserveEntry,
    status: str,
    on_date: dt.date,
    document_no: str = "",
    note: str = "",
    expected_version=None,
) -> ReserveEntry:
    """Move a reserve entry on (recommended → applied → recognised / not recognised; or withdrawn).
    Recognised creates the title (through ``title_save``, so the ladder rule is checked)."""
    require(actor, CHANGE, entry)
    allowed = RESERVE_TRANSITIONS.get(entry.status, set())
    if status not in allowed:
        raise ValidationError(
            {
                "status": _("A reserve entry that is %(from)s cannot become %(to)s.")
                % {
                    "from": ReserveStatus(entry.status).label,
                    "to": ReserveStatus(status).label if status in ReserveStatus.values else status,
                }
            }
        )
    with transaction.atomic():
        entry.status = status
        if status == ReserveStatus.APPLIED:
            entry.applied_on = on_date
        else:
            entry.decided_on = on_date
        if note.strip():
            entry.note = note.strip()[:300]
        if status == ReserveStatus.RECOGNISED:
            title = Title(
                enterprise=entry.enterprise,
                tier=entry.target_tier,
                recognised_on=on_date,
                batch=_("%(year)s batch") % {"year": entry.year},
                document_no=document_no,
            )
            entry.title = title_save(actor=actor, title=title)
        scoped_save(
            actor=actor, instance=entry, expected_version=expected_version, message=str(ReserveStatus(status).label)
        )
    return entry


# -- criteria (city reference data) -----------------------------------------------------------------


def criterion_save(*, actor, criterion: Criterion) -> Criterion:
    """Edit a criterion's threshold, bounds, points or note (city users only), with an audit record."""
    if not scope_for(actor).city_wide_write:
        raise PermissionDenied
    with transaction.atomic():
        stored = Criterion.objects.select_for_update().get(pk=criterion.pk)
        before = audit.snapshot(stored)
        criterion.full_clean()
        criterion.save()
        audit.record(actor, AuditAction.UPDATE, criterion, before=before, after=audit.snapshot(criterion))
        # The stored verdicts of this set are outdated: the pool computes live until the refresh.
        ReservePoolRefresh.objects.filter(criteria_set_id=criterion.criteria_set_id).delete()
        jobs.enqueue(REFRESH_VERDICTS_TASK)
    return criterion


# -- jobs -------------------------------------------------------------------------------------------


def titles_mark_lapsed(*, date: dt.date) -> int:
    """Store ``expired`` on titles past their validity that are neither ended nor under review (a
    pending review keeps a title valid). One UPDATE plus one audit row per title, in one transaction."""
    with transaction.atomic():
        lapsed = list(
            Title.objects.select_for_update()
            .filter(status=TitleStatus.VALID, ended_on__isnull=True, valid_until__lt=date)
            .select_related("enterprise__county")
        )
        if not lapsed:
            return 0
        entries = []
        for title in lapsed:
            before = audit.snapshot(title)
            title.status = TitleStatus.EXPIRED
            title.version += 1  # as ``bulk_update`` stores it: an edit opened before the job is refused
            entries.append(
                audit.Entry(
                    action=AuditAction.UPDATE,
                    object_type=audit.object_type_of(title),
                    object_id=str(title.pk),
                    object_repr=str(title)[:200],
                    county_code=title.enterprise.county.code,
                    before=before,
                    after=audit.snapshot(title),
                    message=_("validity ended on %(date)s") % {"date": title.valid_until},
                )
            )
        bulk_update(Title.objects.filter(pk__in=[t.pk for t in lapsed]), status=TitleStatus.EXPIRED)
        audit.record_many(None, entries)
    return len(lapsed)


def alerts_refresh(*, date: dt.date) -> dict[str, int]:
    """Rebuild the alerts of the review calendar as of ``date`` (all counties) in one transaction."""
    now = timezone.now()
    rows: list[DynamicsAlert] = []
    for t in selectors.expiring_titles(None, date=date, days=max(selectors.EXPIRY_WINDOWS)):
        rows.append(
            DynamicsAlert(
                kind=AlertKind.EXPIRING, enterprise_id=t.enterprise_id, title=t, due_on=t.valid_until, refreshed_at=now
            )
        )
    for t in selectors.lost_titles(None, date=date, days=90).filter(ended_on__isnull=True):
        rows.append(
            DynamicsAlert(
                kind=AlertKind.LAPSED, enterprise_id=t.enterprise_id, title=t, due_on=t.valid_until, refreshed_at=now
            )
        )
    for r in selectors.pending_reviews(None):
        rows.append(
            DynamicsAlert(
                kind=AlertKind.REVIEW_PENDING,
                enterprise_id=r.title.enterprise_id,
                title=r.title,
                due_on=r.started_on,
                refreshed_at=now,
            )
        )
    check = selectors.data_update_check(None, date=date)
    if check.deadline is not None:
        for e in check.missed.select_related(None).only("pk"):
            rows.append(
                DynamicsAlert(
                    kind=AlertKind.MISSED_UPDATE, enterprise_id=e.pk, due_on=check.deadline.deadline, refreshed_at=now
                )
            )
    with transaction.atomic():
        DynamicsAlert.objects.all().delete()
        DynamicsAlert.objects.bulk_create(rows, batch_size=2000)
    counts = {kind: 0 for kind in AlertKind.values}
    for row in rows:
        counts[row.kind] += 1
    return counts


def reserve_verdicts_refresh(*, date: dt.date | None = None) -> dict[str, int]:
    """Precompute the reserve pool of every tier as of ``date`` (today): for each tier with a
    criteria set in force, every candidate city-wide with its verdict (``precheck_sql.verdicts``,
    one statement), replacing the tier's ``ReserveVerdict`` rows and its ``ReservePoolRefresh`` in
    one transaction (bulk inserts, no query per row); a tier without a criteria set in force loses
    its rows. Runs as the system after each progress recompute, nightly and from
    ``manage.py refresh_reserve_verdicts``. Returns ``{tier code: candidates}``."""
    date = date or timezone.localdate()
    result: dict[str, int] = {}
    for tier in Tier.objects.order_by("rank"):
        spec = selectors.criteria_spec(tier, date)
        with transaction.atomic():
            Tier.objects.select_for_update().filter(pk=tier.pk).first()  # one refresh of a tier at a time
            if spec is None or spec.pk is None:
                ReserveVerdict.objects.filter(tier=tier).delete()
                ReservePoolRefresh.objects.filter(tier=tier).delete()
                continue
            required = selectors.required_tiers(tier, date)
            candidates = selectors.candidate_enterprises(None, tier=tier, date=date, required=required)
            verdicts = selectors.sort_verdicts(
                precheck_sql.verdicts(candidates, spec, date, [t.code for t in required])
            )
            now = timezone.now()
            ReserveVerdict.objects.filter(tier=tier).delete()
            ReserveVerdict.objects.bulk_create(
                (
                    ReserveVerdict(
                        tier=tier,
                        enterprise_id=v.enterprise_id,
                        county_id=v.county_id,
                        criteria_set_id=spec.pk,
                        status=v.status,
                        status_order=selectors.STATUS_ORDER[v.status],
                        score_min=v.score_min,
                        position=position,
                        name=v.name,
                        computed_for=date,
                        computed_at=now,
                    )
                    for position, v in enumerate(verdicts)
                ),
                batch_size=2000,
            )
            ReservePoolRefresh.objects.update_or_create(
                tier=tier,
                defaults={
                    "criteria_set_id": spec.pk,
                    "computed_for": date,
                    "computed_at": now,
                    "candidates": len(verdicts),
                },
            )
        result[tier.code] = len(verdicts)
    return result


def reserve_verdicts_follow(*, enterprise: Enterprise) -> None:
    """Keep the copies in the stored verdicts of ``enterprise`` (county, name) in step with it
    (one UPDATE, touching nothing when they already are)."""
    ReserveVerdict.objects.filter(enterprise_id=enterprise.pk).exclude(
        county_id=enterprise.county_id, name=enterprise.name
    ).update(county_id=enterprise.county_id, name=enterprise.name)


def reserve_verdicts_follow_all() -> int:
    """The same for every stored verdict, set-based (after bulk writes: imports, which write
    enterprises without ``save``). Returns the number of verdicts brought in step."""
    enterprise = Enterprise.objects.filter(pk=OuterRef("enterprise_id"))
    county, name = Subquery(enterprise.values("county_id")[:1]), Subquery(enterprise.values("name")[:1])
    behind = ReserveVerdict.objects.annotate(e_county=county, e_name=name).exclude(
        county_id=F("e_county"), name=F("e_name")
    )
    return ReserveVerdict.objects.filter(pk__in=behind.values("pk")).update(county_id=county, name=name)

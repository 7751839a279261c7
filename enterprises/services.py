"""Writes to enterprises and their records (HackSoft style: keyword-only ``<entity>_<action>``).

All of them go through ``core.services.scoped_save``/``scoped_delete``, which check the
actor's county scope, refuse stale edits and record the change.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import CHANGE, require, scope_for
from core.services import scoped_delete, scoped_save

from .choices import EnterpriseStatus
from .models import (
    Enterprise,
    EnterpriseCountyChange,
    EnterpriseStatusChange,
    LadderRule,
    ListingRecord,
    RDInstitution,
    Statistic,
    Title,
    add_years,
)

# -- enterprises ----------------------------------------------------------------------------------


def enterprise_save(
    *,
    actor,
    enterprise: Enterprise,
    tags=None,
    expected_version=None,
    status_effective_on: dt.date | None = None,
    county_effective_on: dt.date | None = None,
    move_note: str = "",
) -> Enterprise:
    """Create or edit an enterprise. A change of status (operating, deregistered, moved out) needs
    the date it took effect (``status_effective_on``, or the attribute of that name the API sets on
    the instance): the change is kept as an ``EnterpriseStatusChange`` row, written and audited
    through the same write path in the same transaction. A change of county is a move
    (``enterprise_move``'s rules: the city only, ``county_effective_on`` required, not before the
    latest move), kept as an ``EnterpriseCountyChange`` row likewise."""
    m2m = {"tags": list(tags)} if tags is not None else None
    effective_on = status_effective_on or getattr(enterprise, "status_effective_on", None)
    moved_on = county_effective_on or getattr(enterprise, "county_effective_on", None)
    with transaction.atomic():
        stored_status, stored_county = None, None
        if enterprise.pk:
            stored_status, stored_county = (
                Enterprise.objects.select_for_update()
                .filter(pk=enterprise.pk)
                .values_list("status", "county_id")
                .first()
            ) or (None, None)
        changed = enterprise.status != (stored_status or EnterpriseStatus.OPERATING)
        checked_on = _check_status_date(enterprise, effective_on) if changed else None
        move_from: int | None = stored_county if stored_county != enterprise.county_id else None
        move_on = _check_move(actor, enterprise, moved_on, move_from) if move_from is not None else None
        saved = scoped_save(actor=actor, instance=enterprise, expected_version=expected_version, m2m=m2m)
        recorder = actor if getattr(actor, "pk", None) else None
        if checked_on is not None:
            change = EnterpriseStatusChange(
                enterprise=saved, status=saved.status, effective_on=checked_on, recorded_by=recorder
            )
            scoped_save(actor=actor, instance=change)
        if move_on is not None and move_from is not None:
            move = EnterpriseCountyChange(
                enterprise=saved,
                from_county_id=move_from,
                to_county_id=saved.county_id,
                effective_on=move_on,
                note=move_note,
                recorded_by=recorder,
            )
            scoped_save(actor=actor, instance=move)
    return saved


def enterprise_move(
    *, actor, enterprise: Enterprise, to_county, effective_on: dt.date | None, note: str = "", expected_version=None
) -> Enterprise:
    """Move an enterprise to another county of the city from ``effective_on`` (its first day
    there). Only a city-wide writer (the city operator) may move; the date may not be in the future
    nor before the enterprise's latest move (a back-dated move would rewrite the history between two
    recorded moves: refused). ``Enterprise.county`` becomes ``to_county`` and the move is kept as an
    ``EnterpriseCountyChange``, both through ``scoped_save`` (scoped, audited) in one transaction."""
    enterprise.county = to_county
    return enterprise_save(
        actor=actor,
        enterprise=enterprise,
        expected_version=expected_version,
        county_effective_on=effective_on,
        move_note=note,
    )


def may_move(actor) -> bool:
    """Moves between counties are for city-wide writers (the city operator, a city-wide API key)."""
    scope = scope_for(actor)
    return scope.write and scope.county_id is None


def _check_move(actor, enterprise: Enterprise, effective_on: dt.date | None, from_county_id: int) -> dt.date:
    """The date a move took effect, checked: a city-wide writer, a date, not in the future, not
    before the latest recorded move."""
    if not may_move(actor):
        require(actor, CHANGE, county_id=from_county_id)  # another county's enterprise: 404, as elsewhere
        raise ValidationError(
            {"county": _("Only the city operator can move an enterprise to another county.")}, code="move_refused"
        )
    if effective_on is None:
        raise ValidationError({"county_effective_on": _("The county changes: give the date the move took effect.")})
    if effective_on > timezone.localdate():
        raise ValidationError({"county_effective_on": _("The date the move took effect cannot be in the future.")})
    latest = (
        EnterpriseCountyChange.objects.filter(enterprise_id=enterprise.pk)
        .order_by("-effective_on", "-id")
        .values_list("effective_on", flat=True)
        .first()
    )
    if latest is not None and effective_on < latest:
        raise ValidationError(
            {
                "county_effective_on": _(
                    "The date cannot be before the enterprise's latest move (%(date)s): record the moves in "
                    "the order they happened."
                )
                % {"date": latest.isoformat()}
            }
        )
    return effective_on


def _check_status_date(enterprise: Enterprise, effective_on: dt.date | None) -> dt.date:
    """The date a change of status took effect, checked (given, not before the last change)."""
    if effective_on is None:
        raise ValidationError(
            {
                "status_effective_on": _("The status changes to “%(status)s”: give the date it took effect.")
                % {"status": enterprise.get_status_display()}
            }
        )
    if enterprise.pk:
        previous = (
            EnterpriseStatusChange.objects.filter(enterprise_id=enterprise.pk)
            .order_by("-effective_on", "-id")
            .values_list("effective_on", flat=True)
            .first()
        )
        if previous is not None and effective_on < previous:
            raise ValidationError(
                {
                    "status_effective_on": _("The date cannot be before the previous status change (%(date)s).")
                    % {"date": previous.isoformat()}
                }
            )
    return effective_on


# -- titles ---------------------------------------------------------------------------------------


def ladder_problem(title: Title) -> str | None:
    """The ladder rule a title breaks, as a sentence naming the missing rung, or None.

    Rules are data (``LadderRule``) with an effective period; a title recognised before a rule took
    effect is not judged by it."""
    date = title.recognised_on
    rules = (
        LadderRule.objects.filter(tier_id=title.tier_id, effective_from__lte=date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=date))
        .select_related("tier", "requires")
    )
    for rule in rules:
        held = Title.objects.valid_on(date).filter(enterprise_id=title.enterprise_id, tier_id=rule.requires_id)
        if title.pk:
            held = held.exclude(pk=title.pk)
        if not held.exists():
            return _(
                "A %(tier)s title recognised on %(date)s needs a %(required)s title valid on that date "
                "(%(source)s); this enterprise has none."
            ) % {
                "tier": rule.tier.name,
                "date": date.isoformat(),
                "required": rule.requires.name,
                "source": rule.source_document or _("ladder rule in force from %(d)s") % {"d": rule.effective_from},
            }
    return None


def _validate_title(title: Title) -> None:
    problem = ladder_problem(title)
    if problem:
        raise ValidationError({"tier": problem}, code="ladder")


def title_save(*, actor, title: Title, expected_version=None) -> Title:
    if title.recognised_on and not title.valid_until and title.tier_id:
        title.valid_until = add_years(title.recognised_on, title.tier.validity_years)
    return scoped_save(actor=actor, instance=title, expected_version=expected_version, validate=_validate_title)


def title_delete(*, actor, title: Title, expected_version=None) -> None:
    scoped_delete(actor=actor, instance=title, expected_version=expected_version)


# -- statistics, R&D institutions, listing records ------------------------------------------------


def statistic_save(*, actor, statistic: Statistic, expected_version=None) -> Statistic:
    return scoped_save(actor=actor, instance=statistic, expected_version=expected_version)


def rd_institution_save(*, actor, institution: RDInstitution, expected_version=None) -> RDInstitution:
    return scoped_save(actor=actor, instance=institution, expected_version=expected_version)


def listing_record_save(*, actor, record: ListingRecord, expected_version=None) -> ListingRecord:
    return scoped_save(actor=actor, instance=record, expected_version=expected_version)


def record_delete(*, actor, instance, expected_version=None) -> None:
    """Delete a statistic, R&D institution or listing record."""
    scoped_delete(actor=actor, instance=instance, expected_version=expected_version)

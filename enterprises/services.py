"""Writes to enterprises and their records (HackSoft style: keyword-only ``<entity>_<action>``).

All of them go through ``core.services.scoped_save``/``scoped_delete``, which check the
actor's county scope, refuse stale edits and record the change.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from core.services import scoped_delete, scoped_save

from .models import Enterprise, LadderRule, ListingRecord, RDInstitution, Statistic, Title, add_years

# -- enterprises ----------------------------------------------------------------------------------


def enterprise_save(*, actor, enterprise: Enterprise, tags=None, expected_version=None) -> Enterprise:
    m2m = {"tags": list(tags)} if tags is not None else None
    return scoped_save(actor=actor, instance=enterprise, expected_version=expected_version, m2m=m2m)


# -- titles ---------------------------------------------------------------------------------------


def ladder_problem(title: Title) -> str | None:
    """The ladder rule a title breaks, as a sentence naming the missing rung, or None.

    Rules are data (``LadderRule``) with an effective period; a title recognised before a rule took
    effect is not judged by it."""
    date = title.recognised_on
    rules = LadderRule.objects.filter(tier_id=title.tier_id, effective_from__lte=date).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=date)
    ).select_related("tier", "requires")
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

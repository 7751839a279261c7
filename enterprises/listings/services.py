"""Writes of the listing pipeline, all through ``core.services.scoped_save`` (scope — counties, and
the lead departments city-wide —, version check, validation, audit in one transaction)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.services import scoped_save

from ..models import ListingRecord
from ..services import listing_record_save
from . import selectors
from .models import ListingAction, ListingReserveEntry


def entry_save(*, actor, entry: ListingReserveEntry, expected_version=None) -> ListingReserveEntry:
    """Add an enterprise to the reserve list (or edit its entry). On entry the venue's entry
    conditions in force that day are checked and their overall result kept with the entry."""
    if entry.pk is None and entry.enterprise_id and entry.target_venue:
        date = entry.entered_on or timezone.localdate()
        result = selectors.conditions(entry.enterprise, venue=entry.target_venue, date=date)
        if result is not None:
            entry.criteria_set_id = result.spec.pk
            entry.precheck_status = result.status
    return scoped_save(actor=actor, instance=entry, expected_version=expected_version)


def entry_remove(*, actor, entry: ListingReserveEntry, on: dt.date, expected_version=None) -> ListingReserveEntry:
    entry.removed_on = on
    return scoped_save(actor=actor, instance=entry, expected_version=expected_version)


def action_save(*, actor, action: ListingAction, expected_version=None) -> ListingAction:
    return scoped_save(actor=actor, instance=action, expected_version=expected_version)


def record_step(*, actor, record: ListingRecord, expected_version=None) -> ListingRecord:
    """A listing record (辅导备案, 申报受理 …, 撤回, 挂牌) written from the pipeline pages."""
    return listing_record_save(actor=actor, record=record, expected_version=expected_version)

"""Recompute the progress snapshots after the records they are computed from change.

Single saves and deletes of enterprises and their titles, statistics, R&D institutions and
listing records arrive through ``post_save``/``post_delete``; bulk writes (imports) send
``enterprises.signals.statistics_changed``. Each asks for a coalesced recompute on commit.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from enterprises.models import Enterprise, ListingRecord, RDInstitution, Statistic, Title
from enterprises.signals import statistics_changed

SOURCES = (Enterprise, Title, Statistic, RDInstitution, ListingRecord)


def _changed(sender, **kwargs):
    if kwargs.get("raw"):  # fixture loading
        return
    from .services import schedule_recompute

    schedule_recompute()


def connect() -> None:
    for model in SOURCES:
        post_save.connect(_changed, sender=model, dispatch_uid=f"targets-recompute-save-{model._meta.label_lower}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"targets-recompute-delete-{model._meta.label_lower}")
    statistics_changed.connect(_changed, dispatch_uid="targets-recompute-statistics-changed")

"""``python manage.py import_listings FILE [--dry-run] [--user USERNAME] [--skip-errors]``

Listing records (上市进程记录): one row per step on an enterprise's road to a listing (stage, venue,
date, note; ``enterprises.imports.listings``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = _(
        "Import listing records (stage, venue and date of each step) from an Excel workbook (the listing template)."
    )
    kind = "listing_records"

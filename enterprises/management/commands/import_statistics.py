"""``python manage.py import_statistics FILE [--dry-run] [--user USERNAME] [--skip-errors]``"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = _("Import statistics from an Excel workbook (the statistics template).")
    kind = "statistics"

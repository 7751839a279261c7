"""``python manage.py import_enterprises FILE [--dry-run] [--user USERNAME] [--skip-errors]``

The enterprise roster (名录): new credit codes create enterprises, known ones update them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = _("Import the enterprise roster from an Excel workbook (the roster template).")
    kind = "roster"

"""``python manage.py import_commissioners FILE [--dry-run] [--user USERNAME] [--skip-errors]``

Service commissioner assignments (服务专员): one row per enterprise naming its commissioner and the
day the assignment starts (``support.imports``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from enterprises.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = _("Import service commissioner assignments from an Excel workbook (the commissioner template).")
    kind = "commissioners"

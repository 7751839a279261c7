"""``python manage.py import_rd_institutions FILE [--dry-run] [--user USERNAME] [--skip-errors]``

R&D institutions (研发机构名单): one row per institution of an enterprise, with its level and the
year it was recognised (``enterprises.imports.rd_institutions``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = _("Import R&D institutions from an Excel workbook (the R&D institution template).")
    kind = "rd_institutions"

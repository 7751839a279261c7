"""``python manage.py import_titles FILE --tier {innovative,municipal,provincial,national} --batch NAME
--recognised-on YYYY-MM-DD [--dry-run] [--user USERNAME] [--skip-errors]``

A published recognition list (公示名单/认定名单) as it is: one tier, batch and date for the file.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from ._import_base import ImportCommand


class Command(ImportCommand):
    help = _("Import a published recognition list (titles of one tier, batch and date).")
    kind = "titles"

    def add_kind_arguments(self, parser):
        from enterprises.models import Tier

        parser.add_argument(
            "--tier",
            required=True,
            help=_("The tier: %(codes)s.")
            % {
                "codes": "、".join(Tier.objects.order_by("rank").values_list("code", flat=True))
                or "innovative, municipal, provincial, national"
            },
        )
        parser.add_argument("--batch", required=True, help=_("The batch, such as 2024年第一批."))
        parser.add_argument("--recognised-on", required=True, help=_("The list's date, YYYY-MM-DD."))

    def kind_options(self, options):
        try:
            dt.date.fromisoformat(options["recognised_on"])
        except ValueError:
            raise CommandError(_("--recognised-on: write the date as YYYY-MM-DD."))
        return {"tier": options["tier"], "batch": options["batch"].strip(), "recognised_on": options["recognised_on"]}

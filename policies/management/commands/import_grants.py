"""``python manage.py import_grants FILE --department CODE [--batch NAME] [--support-type CODE]
[--dry-run] [--user USERNAME] [--skip-errors]``

A granting unit's disbursement list (拨付名单) into the support ledger: the same checks, preview
counts and single-transaction write as the web upload (``policies.ledger_import``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from enterprises.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = _("Import a granting unit's disbursement list (拨付名单) into the support ledger.")
    kind = "ledger"

    def add_kind_arguments(self, parser):
        parser.add_argument("--department", required=True, help=_("The granting unit's code, such as kjj."))
        parser.add_argument("--batch", default="", help=_("The batch for rows whose 批次 cell is empty."))
        parser.add_argument(
            "--support-type",
            default="",
            help=_("The support type's code for rows that name none (such as fund-award)."),
        )

    def kind_options(self, options):
        return {
            "department": options["department"].strip(),
            "batch": options["batch"].strip(),
            "support_type": options["support_type"].strip(),
        }

"""``python manage.py export_quarterly_report --period 2026Q3 [--county CODE] [--user NAME] --output FILE``

Writes the same workbook as the web job. Without ``--user`` it runs with the city-wide read scope of
a command-line operator (recorded in the audit trail as ``cli:export_quarterly_report``); with
``--user`` it runs with that user's scope (a county official gets her county only).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import audit
from accounts.choices import AuditAction, Role
from accounts.models import Place, User
from core import context
from core.context import ActionContext
from core.scoping import scope_for
from reports import services
from reports.selectors import ReportScope, parse_period

CLI_NAME = "cli:export_quarterly_report"


class Command(BaseCommand):
    help = "Write the quarterly report workbook (.xlsx) for a period, for the city or one county."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Quarter, e.g. 2026Q3.")
        parser.add_argument("--county", help="County division code (e.g. 440781). Default: the whole city.")
        parser.add_argument("--user", help="Build with this user's scope and name (default: city-wide operator).")
        parser.add_argument("--output", required=True, help="Path of the .xlsx file to write.")

    def handle(self, *args, **options):
        try:
            year, quarter = parse_period(options["period"])
        except ValidationError as error:
            raise CommandError(error.messages[0])
        county = None
        if options["county"]:
            county = Place.objects.filter(code=options["county"], level="county").first()
            if county is None:
                raise CommandError(f"Unknown county code {options['county']!r}.")
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None or not scope_for(user).read:
                raise CommandError(f"User {options['user']!r} does not exist or may not read business data.")
            user_scope = scope_for(user)
            if county is not None and user_scope.county_id not in (None, county.pk):
                raise CommandError(f"User {options['user']!r} may not read county {county.code}.")
            audit_actor, audit_name, name = user, "", user.full_name or user.username
        else:
            # An unsaved principal with the city operator's read scope: never stored, never logs in.
            user = User(username=CLI_NAME, role=Role.CITY_OPERATOR, is_active=True)
            audit_actor, audit_name, name = None, CLI_NAME, CLI_NAME
        output = Path(options["output"])
        if output.parent and not output.parent.exists():
            raise CommandError(f"The directory {output.parent} does not exist.")
        with context.use(ActionContext(source="cli")):
            scope = ReportScope(
                user=user, year=year, quarter=quarter, county=county, generated_by=name, generated_at=timezone.now()
            )
            result = services.report_write(scope=scope, output=str(output))
            with translation.override(settings.LANGUAGE_CODE):
                message = _("Quarterly report %(period)s for %(scope)s written to %(file)s from the command line") % {
                    "period": scope.period_code,
                    "scope": scope.scope_label,
                    "file": output.name,
                }
            audit.security_event(audit_actor, AuditAction.EXPORT, message, username=audit_name)
        self.stdout.write(
            self.style.SUCCESS(
                f"{output}: {len(result['sheets'])} sheets, {result['roster_rows']} enterprises in the roster"
            )
        )

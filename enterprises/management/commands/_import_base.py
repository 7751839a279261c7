"""The import commands' shared body: ``manage.py import_<kind> FILE [--dry-run] [--user USERNAME]
[--skip-errors]``.

The same checks and the same single-transaction write as the web upload (the jobs run in this
process), printing the counts and every error. A command names its engine kind (``kind``) and may
add arguments stated for the whole file (``add_kind_arguments``, ``kind_options``).
"""

from __future__ import annotations

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from core import context
from enterprises.imports import services
from enterprises.imports.engine import get_kind
from enterprises.models import ImportState


class ImportCommand(BaseCommand):
    kind = "statistics"

    def add_kind_arguments(self, parser) -> None:
        pass

    def kind_options(self, options: dict) -> dict:
        return {}

    def add_arguments(self, parser):
        parser.add_argument("file")
        self.add_kind_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help=_("Check only; write nothing."))
        parser.add_argument(
            "--user", help=_("Username of the importing user (default: the first active city operator).")
        )
        parser.add_argument(
            "--skip-errors", action="store_true", help=_("Write the rows without errors even if some rows have errors.")
        )

    def handle(self, *args, file, dry_run, user, skip_errors, **options):
        actor = self._actor(user)
        stated = self.kind_options(options)
        if not os.path.isfile(file):
            raise CommandError(f"{file}: not found")
        with context.use(context.ActionContext(source="cli")):
            with open(file, "rb") as fh:
                upload = File(fh, name=os.path.basename(file))
                upload.size = os.path.getsize(file)
                try:
                    imp = services.statistic_import_create(
                        actor=actor,
                        uploaded_file=upload,
                        dry_run=dry_run,
                        enqueue=False,
                        kind=self.kind,
                        options=stated,
                    )
                except PermissionDenied:
                    raise CommandError(
                        _("User %(name)s (%(role)s) may not import %(kind)s.")
                        % {"name": actor.username, "role": actor.get_role_display(), "kind": imp_label(self.kind)}
                    )
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages))
            checked = services.statistic_import_check(import_id=imp.pk)
            assert checked is not None
            imp = checked
            self._report(imp)
            if imp.state != ImportState.CHECKED:
                raise CommandError(imp.message)
            if dry_run:
                self.stdout.write(_("Dry run: nothing was written."))
                return
            if imp.error_count and not skip_errors:
                raise CommandError(
                    _("Nothing written: the file has errors (use --skip-errors to write the other rows).")
                )
            if not imp.writable_count:
                self.stdout.write(_("Nothing to write."))
                return
            services.statistic_import_confirm(
                actor=actor, statistic_import=imp, skip_error_rows=skip_errors, enqueue=False
            )
            committed = services.statistic_import_commit(import_id=imp.pk)
            assert committed is not None
            imp = committed
        self.stdout.write(
            _("Import #%(id)d: %(state)s. %(message)s")
            % {"id": imp.pk, "state": imp.get_state_display(), "message": imp.message}
        )
        if imp.state != ImportState.COMMITTED:
            raise CommandError(imp.message)

    def _actor(self, username: str | None) -> User:
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(_("No such active user: %(name)s") % {"name": username})
            return actor
        actor = User.objects.filter(role=Role.CITY_OPERATOR, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError(_("No active city operator: give --user."))
        return actor

    def _report(self, imp) -> None:
        self.stdout.write(f"#{imp.pk} {imp.file_name} sha256={imp.checksum}")
        if imp.duplicate_of_id:
            self.stdout.write(
                _("The same file (same SHA-256) was uploaded before: import #%(id)d.") % {"id": imp.duplicate_of_id}
            )
        self.stdout.write(
            _("Rows: %(rows)d · new: %(new)d · changed: %(changed)d · unchanged: %(unchanged)d · errors: %(errors)d")
            % {
                "rows": imp.row_count,
                "new": imp.new_count,
                "changed": imp.changed_count,
                "unchanged": imp.unchanged_count,
                "errors": imp.error_count,
            }
        )
        for error in imp.errors:
            self.stdout.write(
                _("Row %(row)s, column %(column)s: %(message)s")
                % {"row": error["row"] or "—", "column": error["column"] or "—", "message": error["message"]}
            )
        if imp.state == ImportState.CHECKED and imp.message:
            self.stdout.write(imp.message)


def imp_label(kind: str) -> str:
    return str(get_kind(kind).label)

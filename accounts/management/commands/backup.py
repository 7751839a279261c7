"""``manage.py backup FOLDER``: the database, the uploaded files and a manifest to verify a restore
(``accounts/backups.py``; the restore drill is in the README)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import backups


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into FOLDER (new or empty), with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, **options):
        try:
            manifest = backups.backup(Path(options["folder"]))
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # pg_dump failed: show what it said
            stderr = getattr(exc, "stderr", b"") or b""
            raise CommandError(f"backup failed: {exc} {stderr.decode(errors='replace')}") from exc
        summary = {
            "folder": options["folder"],
            "tables": len(manifest["tables"]),
            "rows": sum(manifest["tables"].values()),
            "audit_rows": manifest["audit"]["rows"],
            "files": sum(1 for digest in manifest["files"].values() if digest is not None),
            "files_missing_at_backup": sorted(name for name, digest in manifest["files"].items() if digest is None),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

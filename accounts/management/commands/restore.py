"""``manage.py restore FOLDER``: restore a backup into the configured (new, empty) database and the
media folder, then prove it whole against the backup's manifest (row counts, the audit chain and
its sealed change sets, the uploaded files). ``--verify-only`` checks a database restored before."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts import backups


class Command(BaseCommand):
    help = "Restore a backup folder into the configured empty database and MEDIA_ROOT, then verify it."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--media-root", help="restore the uploaded files here (default: MEDIA_ROOT)")
        parser.add_argument("--verify-only", action="store_true", help="do not restore, only verify")

    def handle(self, *args, **options):
        folder = Path(options["folder"])
        media_root = Path(options["media_root"]) if options["media_root"] else None
        try:
            if options["verify_only"]:
                manifest = backups.read_manifest(folder)
            else:
                manifest = backups.restore(folder, media_root=media_root)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # pg_restore failed: show what it said
            stderr = getattr(exc, "stderr", b"") or b""
            raise CommandError(f"restore failed: {exc} {stderr.decode(errors='replace')}") from exc
        report = backups.verify(manifest, media_root=media_root)
        self.stdout.write(json.dumps(report, ensure_ascii=False, sort_keys=True))
        if not report["whole"]:
            raise CommandError("the restored database does not match the backup (see the report above)")

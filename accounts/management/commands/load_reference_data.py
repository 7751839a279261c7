"""Load (or refresh) the reference data: places, departments, tiers, industries, tags, indicators,
tasks … from ``fixtures/reference/*.yaml`` in file-name order.

Rows are matched by natural key (their code), so running it again updates them in place; rows
added later by users are kept. ``seed_demo`` runs it first.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command

REFERENCE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"


def reference_fixtures() -> list[Path]:
    return sorted(REFERENCE_DIR.glob("*.yaml"))


class Command(BaseCommand):
    help = "Load the reference data from fixtures/reference (idempotent)."

    def handle(self, *args, **options):
        files = reference_fixtures()
        for path in files:
            call_command("loaddata", str(path), verbosity=0)
            if options["verbosity"] >= 1:
                self.stdout.write(f"loaded {path.name}")
        self.stdout.write(self.style.SUCCESS(f"reference data: {len(files)} files loaded"))

"""Recompute the progress snapshots of the 2026 goals (city and every county).

python manage.py recompute_progress                  # today, plus every quarter end since the baseline
python manage.py recompute_progress --as-of 2025-07-15 --no-history   # that date and 2025-06-30
python manage.py recompute_progress --enqueue        # hand it to the Celery worker instead
"""

import argparse
import datetime as dt

from django.core.management import BaseCommand, CommandError

from core import context
from core.models import JobStatus
from targets import services
from targets.choices import RunTrigger


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{value}” is not a date (YYYY-MM-DD)")


class Command(BaseCommand):
    help = "Recompute the progress snapshots of every indicator (idempotent; never two runs at once)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=_date, default=None, help="Date to compute for (default today).")
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Only the --as-of date and the quarter end before it, not every quarter end since the baseline.",
        )
        parser.add_argument("--enqueue", action="store_true", help="Queue the run for the Celery worker.")

    def handle(self, *args, as_of=None, no_history=False, enqueue=False, **options):
        from django.core.exceptions import ValidationError

        with context.use(context.ActionContext(source="cli")):
            try:
                run = services.run_create(as_of=as_of, trigger=RunTrigger.COMMAND, with_history=not no_history)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages))
            if enqueue:
                from targets.tasks import recompute_progress

                recompute_progress.delay(run.pk)
                self.stdout.write(f"queued recompute run {run.pk}")
                return
            run = services.run_execute(run_id=run.pk)
        if run.status != JobStatus.SUCCEEDED:
            raise CommandError(f"recompute run {run.pk} failed: {run.message}")
        self.stdout.write(self.style.SUCCESS(f"recompute run {run.pk}: {run.message}"))

"""Precompute the reserve pool's verdicts of every tier (what the nightly beat and the job after
each progress recompute do).

python manage.py refresh_reserve_verdicts                 # for today
python manage.py refresh_reserve_verdicts --enqueue       # hand it to the Celery worker instead
"""

from __future__ import annotations

from django.core.management import BaseCommand

from core import context
from enterprises.dynamics import services


class Command(BaseCommand):
    help = "Precompute every tier's reserve-pool verdicts for today (replaces the stored ones; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Queue the refresh for the Celery worker.")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from core import jobs

            jobs.task(services.REFRESH_VERDICTS_TASK).delay()
            self.stdout.write("queued the refresh of the reserve-pool verdicts")
            return
        with context.use(context.ActionContext(source="cli")):
            counts = services.reserve_verdicts_refresh()
        summary = ", ".join(f"{code} {n}" for code, n in counts.items()) or "no tier with criteria in force"
        self.stdout.write(self.style.SUCCESS(f"reserve-pool verdicts refreshed: {summary}"))

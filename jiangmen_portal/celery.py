"""Celery application.

Tasks are thin: they take ids and call a service. When ``CELERY_BROKER_URL`` is not configured the
settings turn on ``task_always_eager`` so the embedded default runs jobs in-process.
"""

import os

from celery import Celery
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.settings")

app = Celery("jiangmen_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Dynamic management (enterprises/dynamics/tasks.py: the nightly review-calendar job).
app.autodiscover_tasks(["enterprises.dynamics"])


@before_task_publish.connect
def carry_action_context(headers=None, **kwargs):
    """A job queued by a request keeps its IP address and request id for the audit trail."""
    from core import context

    found = context.carried()
    if found is not None and headers is not None:
        headers[context.HEADER] = found

"""Celery application.

Tasks are thin: they take ids and call a service. When ``CELERY_BROKER_URL`` is not configured the
settings turn on ``task_always_eager`` so the embedded default runs jobs in-process.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiangmen_portal.settings")

app = Celery("jiangmen_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules not named tasks.py (dynamic management's beat job).
app.autodiscover_tasks(related_name="dynamics_tasks")

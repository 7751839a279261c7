"""Jiangmen 专精特新 cultivation portal: project package (settings, URLs, Celery app, shared mixins)."""

from .celery import app as celery_app

__all__ = ("celery_app",)

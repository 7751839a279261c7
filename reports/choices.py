"""Choices of the reports app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    """The lists whose export runs as a job (``reports.list_exports.SPECS``)."""

    ENTERPRISES = "enterprises", _("Enterprise list")
    TITLES = "titles", _("Title list")
    STATISTICS = "statistics", _("Statistics list")

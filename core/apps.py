from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared base every app builds on (model mixins, write path, job runner, API base).

    It imports no portal app; its strings are in the project catalogue (``locale/``)."""

    name = "core"
    label = "core"
    verbose_name = _("Shared core")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared base every app builds on (model mixins, write path, job runner, API base).

    It imports no portal app; its strings are in the project catalogue (``locale/``)."""

    name = "core"
    label = "core"
    verbose_name = _("Shared core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .counting import install_triggers_after_migrate

        # after every app has migrated (and after each test flush): the data-generation triggers
        post_migrate.connect(install_triggers_after_migrate, sender=self, dispatch_uid="core-count-triggers")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("2026 goals and progress")
    workbench = "targets.workbench"  # home to-dos, figures, search (core.workbench)

    def ready(self):
        from . import embedded, services, signals

        signals.connect()
        embedded.connect(services.recompute_runner)

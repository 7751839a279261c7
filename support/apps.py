from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Service commissioners and enterprise requests")
    workbench = "support.workbench"  # home to-dos (core.workbench)

    def ready(self):
        from . import imports  # noqa: F401 - registers the commissioner-assignment import kind and its change rows

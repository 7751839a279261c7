from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Key tasks and the responsibility matrix")
    workbench = "tasks.workbench"  # home to-dos, figures, search (core.workbench)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises and the tier ladder")
    workbench = "enterprises.workbench"  # home to-dos, figures, search (core.workbench)

    def ready(self):
        from accounts.views.reveal import register_revealable

        from .imports import kinds  # noqa: F401 - registers the built-in kinds and their change rows
        from .models import Enterprise

        register_revealable("enterprise", Enterprise, ("contact_person", "contact_phone"))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts, organisation and audit")
    workbench = "accounts.workbench"  # home to-dos, figures, search (core.workbench)

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.services import register_audit_trail

        from . import checks, signals  # noqa: F401 - registers the system checks, connects the event receivers
        from .audit import TRAIL, forget_place_codes
        from .models import Place

        post_save.connect(forget_place_codes, sender=Place, dispatch_uid="audit-forget-place-codes")
        post_delete.connect(forget_place_codes, sender=Place, dispatch_uid="audit-forget-place-codes-delete")
        register_audit_trail(TRAIL)  # the one write path (core.services) records through it

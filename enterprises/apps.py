from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises and the tier ladder")
    workbench = "enterprises.workbench"  # home to-dos, figures, search (core.workbench)

    def ready(self):
        from accounts import audit
        from accounts.views.reveal import register_revealable

        from .imports import writer
        from .models import Enterprise, StatisticImport

        register_revealable("enterprise", Enterprise, ("contact_person", "contact_phone"))

        audit.register_change_set(
            audit.ChangeSetKind(
                name=writer.CHANGE_SET_KIND,
                seal_object_type=StatisticImport._meta.label_lower,
                digest=writer.change_set_digest,
                touching=writer.imports_touching,
                rows=writer.change_rows,
                describe=writer.describe_changes,
            )
        )

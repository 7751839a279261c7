from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises and the tier ladder")
    workbench = "enterprises.workbench"  # home to-dos, figures, search (core.workbench)

    def ready(self):
        from accounts import audit
        from accounts.views.reveal import register_revealable

        from .imports import kinds  # noqa: F401 - registers the built-in kinds
        from .imports.engine import all_kinds
        from .models import Enterprise, StatisticImport

        register_revealable("enterprise", Enterprise, ("contact_person", "contact_phone"))

        for kind in all_kinds():  # each import kind's change rows, sealed into the audit chain
            audit.register_change_set(
                audit.ChangeSetKind(
                    name=kind.change_set_kind,
                    seal_object_type=StatisticImport._meta.label_lower,
                    digest=kind.changes.digest,
                    touching=kind.changes.touching,
                    rows=kind.changes.rows,
                    describe=kind.describe_changes,
                )
            )

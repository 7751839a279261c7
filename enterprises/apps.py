from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises and the tier ladder")
    workbench = "enterprises.workbench"  # home to-dos, figures, search (core.workbench)

    def ready(self):
        from accounts import audit
        from accounts.views.reveal import register_revealable

        from .imports import kinds, roster, titles, writer  # noqa: F401 - kinds registers the built-in kinds
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
        audit.register_change_set(
            audit.ChangeSetKind(
                name=roster.CHANGE_SET_KIND,
                seal_object_type=StatisticImport._meta.label_lower,
                digest=roster.change_set_digest,
                touching=roster.imports_touching,
                rows=roster.change_rows,
                describe=roster.describe_changes,
            )
        )
        audit.register_change_set(
            audit.ChangeSetKind(
                name=titles.CHANGE_SET_KIND,
                seal_object_type=StatisticImport._meta.label_lower,
                digest=titles.change_set_digest,
                touching=titles.imports_touching,
                rows=titles.change_rows,
                describe=titles.describe_changes,
            )
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Service commissioners and enterprise requests")
    workbench = "support.workbench"  # home to-dos (core.workbench)

    def ready(self):
        from accounts import audit
        from enterprises.models import StatisticImport

        from . import imports  # registers the commissioner-assignment import kind

        audit.register_change_set(
            audit.ChangeSetKind(
                name=imports.CHANGE_SET_KIND,
                seal_object_type=StatisticImport._meta.label_lower,
                digest=imports.change_set_digest,
                touching=imports.imports_touching,
                rows=imports.change_rows,
                describe=imports.describe_changes,
            )
        )

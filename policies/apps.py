from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policy library and precise push")

    def ready(self):
        from accounts import audit
        from enterprises.models import StatisticImport
        from enterprises.views import register_detail_panel
        from tasks.views import register_task_panel

        from . import ledger_import  # registers the import kind of the disbursement lists (拨付名单)
        from .views import enterprise_policies_panel, task_support_panel

        register_detail_panel("policies/_enterprise_panel.html", enterprise_policies_panel)
        register_task_panel("policies/_task_panel.html", task_support_panel)
        audit.register_change_set(
            audit.ChangeSetKind(
                name=ledger_import.CHANGE_SET_KIND,
                seal_object_type=StatisticImport._meta.label_lower,
                digest=ledger_import.change_set_digest,
                touching=ledger_import.imports_touching,
                rows=ledger_import.change_rows,
                describe=ledger_import.describe_changes,
            )
        )

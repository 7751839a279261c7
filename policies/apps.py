from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policy library and precise push")
    workbench = "policies.workbench"  # the support ledger on key task pages (core.workbench)

    def ready(self):
        from enterprises.views import register_detail_panel

        from . import ledger_import  # noqa: F401 - registers the disbursement-list (拨付名单) import kind
        from .views import enterprise_policies_panel

        register_detail_panel("policies/_enterprise_panel.html", enterprise_policies_panel)

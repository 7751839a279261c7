from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from .signals import statistics_changed


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises and the tier ladder")
    workbench = "enterprises.workbench"  # home to-dos, figures, search (core.workbench)

    def ready(self):
        from accounts.views.reveal import register_revealable

        from .imports import kinds  # noqa: F401 - registers the built-in kinds and their change rows
        from .models import Enterprise

        register_revealable("enterprise", Enterprise, ("contact_person", "contact_phone"))
        post_save.connect(_verdicts_follow, sender=Enterprise, dispatch_uid="enterprises-reserve-verdicts-follow")
        statistics_changed.connect(_verdicts_follow_all, dispatch_uid="enterprises-reserve-verdicts-follow-all")


def _verdicts_follow(sender, instance, raw=False, created=False, update_fields=None, **kwargs):
    """The reserve pool's stored verdicts copy an enterprise's county and name: keep them in step
    (a move to another county is seen at once by the scoping of the pool)."""
    if raw or created or (update_fields is not None and not {"county", "name"} & set(update_fields)):
        return
    from .dynamics.services import reserve_verdicts_follow

    reserve_verdicts_follow(enterprise=instance)


def _verdicts_follow_all(sender, import_id=None, **kwargs):
    """After a roster import or its undo (bulk writes, no ``save``): the same for every stored
    verdict, set-based. The other kinds write no enterprise name or county: nothing to follow."""
    from .dynamics.services import reserve_verdicts_follow_all
    from .imports.roster import ROSTER
    from .models import StatisticImport

    if import_id is not None and not StatisticImport.objects.filter(pk=import_id, kind=ROSTER.code).exists():
        return
    reserve_verdicts_follow_all()

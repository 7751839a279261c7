"""The policies app's contributions to the shared registry (``core.workbench``): on a key task's
page, what each unit granted in the reporting period under the policies that serve the task."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.scoping import VIEW
from core.workbench import Panel

from .models import SupportGrant


def _amount(value) -> str:
    return f"{value:,.2f}"


def task_panels(user, task, period) -> list[Panel]:
    """Grants of the policies serving ``task`` dated within ``period``, per granting unit and in
    total (two queries over the grants ``user`` reads: a county official sees her county's)."""
    grants = SupportGrant.objects.for_user(user, VIEW).filter(
        policy__tasks=task, granted_on__gte=period.starts_on, granted_on__lte=period.ends_on
    )
    rows = list(
        grants.values("department__name", "department__short_name", "department__sort_order")
        .annotate(enterprises=Count("enterprise", distinct=True), grants=Count("id"), amount=Sum("amount"))
        .order_by("department__sort_order", "department__name")
    )
    total = None
    if rows:  # an enterprise supported by two units counts once in the total
        totals = grants.aggregate(
            enterprises=Count("enterprise", distinct=True), grants=Count("id"), amount=Sum("amount")
        )
        total = (_("Total"), str(totals["enterprises"]), str(totals["grants"]), _amount(totals["amount"]))
    return [
        Panel(
            title=_("Support granted under this task's policies in %(period)s") % {"period": period.name},
            headers=(_("Granting unit"), _("Enterprises supported"), _("Grants"), _("Amount (10k yuan)")),
            rows=tuple(
                (
                    r["department__short_name"] or r["department__name"],
                    str(r["enterprises"]),
                    str(r["grants"]),
                    _amount(r["amount"]),
                )
                for r in rows
            ),
            total=total,
            empty=_("No support recorded under this task's policies in this period."),
            url=reverse("policies:ledger"),
            link_label=_("Support ledger"),
            note=_("From the support ledger: grants dated within the period, of the policies that serve this task."),
            order=10,
        )
    ]

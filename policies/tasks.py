"""Celery jobs of the policies app: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from core import context


@shared_task(name="policies.match_all_policies", acks_late=True)
def match_all_policies() -> dict:
    """Nightly (beat): every policy in force matched against every operating enterprise, stored per
    county for the policy list (``services.match_all_policies``)."""
    from .services import match_all_policies as run

    with context.use(context.ActionContext(source="job")):
        return run()

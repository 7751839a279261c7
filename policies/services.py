"""Writes of the policy library, all through ``core.services.scoped_save`` / ``scoped_delete``
(scope check by ``Policy.scope_check``, version check, audit entry)."""

from __future__ import annotations

from core.services import scoped_delete, scoped_save

from .models import Policy, PolicyCondition


def save_policy(*, actor, policy: Policy, tasks=None, expected_version: int | None = None) -> Policy:
    m2m = {"tasks": list(tasks)} if tasks is not None else None
    return scoped_save(actor=actor, instance=policy, expected_version=expected_version, m2m=m2m)


def save_condition(*, actor, condition: PolicyCondition) -> PolicyCondition:
    return scoped_save(actor=actor, instance=condition)


def delete_condition(*, actor, condition: PolicyCondition) -> None:
    scoped_delete(actor=actor, instance=condition)

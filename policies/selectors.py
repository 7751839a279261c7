"""Reads of the policy library: policies (every reader), their match lists and counts (the
enterprises the user may read), the policies one enterprise meets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum

from accounts.choices import PlaceLevel
from accounts.models import Place
from core.scoping import VIEW
from enterprises.choices import EnterpriseStatus
from enterprises.models import Enterprise

from .choices import MatchStatus
from .matching import evaluate_enterprises, evaluate_loaded, load, match_counts, match_rows, prepare
from .models import Policy, PolicyCondition, PolicyPush

STATUSES = [s.value for s in MatchStatus]


def policies_for(user):
    return Policy.objects.for_user(user, VIEW).select_related(
        "support_type", "issuing_department", "implementing_department"
    )


def conditions_of(policy: Policy) -> list[PolicyCondition]:
    return list(policy.conditions.select_related("tier", "county", "industry", "tag").order_by("sort_order", "id"))


def candidates(user):
    """The enterprises a policy is matched against: operating ones the user may read (every one
    for ``None``: the push, system jobs)."""
    queryset = Enterprise.objects.all() if user is None else Enterprise.objects.for_user(user, VIEW)
    return queryset.filter(status=EnterpriseStatus.OPERATING)


def policy_matches(user, policy: Policy, date: dt.date, status: str | None = None) -> list[tuple]:
    """``(id, name, county id, status)`` of the matching enterprises, by name."""
    rows = match_rows(conditions_of(policy), candidates(user), date)
    return [r for r in rows if status is None or r[3] == status]


FUNNEL_KEYS = [*STATUSES, "pushed", "notified", "applied", "granted", "amount"]


def policy_funnel(user, policy: Policy, date: dt.date) -> dict:
    """Per county (of what the user reads) and in total: enterprises that meet / miss one / are
    unknown today, and the push funnel: pushed → notified → applied → granted (count and amount)."""
    counts = match_counts(conditions_of(policy), candidates(user), date)
    per_county: dict[int, dict] = defaultdict(lambda: dict.fromkeys(FUNNEL_KEYS, 0))
    for (county_id, status), n in counts.items():
        per_county[county_id][status] += n
    steps = (
        PolicyPush.objects.for_user(user, VIEW)
        .filter(policy=policy)
        .values("enterprise__county")
        .annotate(
            pushed=Count("pk"),
            notified=Count("pk", filter=Q(notified_on__isnull=False)),
            applied=Count("pk", filter=Q(applied_on__isnull=False)),
            granted=Count("pk", filter=Q(granted_on__isnull=False)),
            amount=Sum("granted_amount"),
        )
        .order_by()
    )
    for row in steps:
        figures = per_county[row["enterprise__county"]]
        for key in ("pushed", "notified", "applied", "granted"):
            figures[key] = row[key]
        figures["amount"] = row["amount"] or Decimal(0)
    counties = {p.pk: p for p in Place.objects.filter(level=PlaceLevel.COUNTY).order_by("code")}
    total = dict.fromkeys(FUNNEL_KEYS, 0)
    for figures in per_county.values():
        for key in FUNNEL_KEYS:
            total[key] += figures[key]
    rows = [(counties[cid], per_county[cid]) for cid in counties if cid in per_county]
    return {"total": total, "counties": rows}


def enterprise_result(policy: Policy, enterprise: Enterprise, date: dt.date):
    return evaluate_enterprises(policy, conditions_of(policy), [enterprise], date)[enterprise.pk]


def policies_met_by(user, enterprise: Enterprise, date: dt.date) -> list:
    """Policies in force on ``date`` and their verdict for ``enterprise`` (met first)."""
    policies = list(
        policies_for(user)
        .in_force(date)
        .prefetch_related(
            Prefetch(
                "conditions",
                queryset=PolicyCondition.objects.select_related("tier", "county", "industry", "tag").order_by(
                    "sort_order", "id"
                ),
            )
        )
    )
    if not policies:
        return []
    loaded = load([enterprise], date)
    out = []
    for policy in policies:
        result = evaluate_loaded(policy, prepare(policy.conditions.all()), enterprise, loaded)
        if result.status is not None:
            out.append(result)
    order = {s: i for i, s in enumerate(STATUSES)}
    return sorted(out, key=lambda r: (order[r.status], r.policy.title))

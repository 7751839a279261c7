"""Reads of the policy library: policies (every reader), their match lists and counts (the
enterprises the user may read), the policies one enterprise meets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.utils.translation import gettext as _

from accounts.choices import PlaceLevel
from accounts.models import Place
from core.scoping import VIEW
from enterprises.choices import EnterpriseStatus
from enterprises.models import Enterprise, Title, title_valid_on

from .choices import IndicatorGroup, IndicatorKind, MatchStatus
from .matching import evaluate_enterprises, evaluate_loaded, load, match_counts, match_rows, prepare
from .models import Policy, PolicyCondition, PolicyPush, SupportGrant, SupportIndicator

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


# --------------------------------------------------------------------------------------------------
# Support ledger indicators
# --------------------------------------------------------------------------------------------------


@dataclass
class IndicatorValue:
    indicator: SupportIndicator
    numerator: int | None = None
    denominator: int | None = None
    rows: list[tuple[str, Decimal, int]] = field(default_factory=list)  # (group, amount, grants)

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(self.numerator or 0) * 100 / self.denominator).quantize(Decimal("0.1"))

    @property
    def total(self) -> Decimal:
        return sum((amount for _g, amount, _n in self.rows), Decimal(0))


def grants_in(user, year: int):
    return SupportGrant.objects.for_user(user, VIEW).filter(granted_on__year=year)


def indicator_value(user, indicator: SupportIndicator, year: int, date: dt.date) -> IndicatorValue:
    """One indicator for ``year`` over what ``user`` reads; titles counted as of ``date``."""
    value = IndicatorValue(indicator)
    grants = grants_in(user, year)
    if indicator.kind == IndicatorKind.SHARE_SUPPORTED:
        assert indicator.min_tier is not None
        titled = candidates(user).filter(
            Exists(
                Title.objects.filter(
                    title_valid_on(date), enterprise=OuterRef("pk"), tier__rank__gte=indicator.min_tier.rank
                )
            )
        )
        value.denominator = titled.count()
        value.numerator = titled.filter(Exists(grants.filter(enterprise=OuterRef("pk")))).count()
        return value
    key = {
        IndicatorGroup.NONE: None,
        IndicatorGroup.SUPPORT_TYPE: "support_type__name",
        IndicatorGroup.DEPARTMENT: "department__name",
        IndicatorGroup.COUNTY: "enterprise__county__name",
        IndicatorGroup.TASK: "policy__tasks__number",
    }[IndicatorGroup(indicator.group_by)]
    if key is None:
        agg = grants.aggregate(amount=Sum("amount"), n=Count("pk"))
        value.rows = [(str(_("All")), agg["amount"] or Decimal(0), agg["n"])]
        return value
    rows = grants.values(key).annotate(amount=Sum("amount"), n=Count("pk")).order_by(key)
    unlinked = str(_("Not linked to a plan task")) if indicator.group_by == IndicatorGroup.TASK else "—"
    value.rows = [(row[key] or unlinked, row["amount"], row["n"]) for row in rows]
    return value


def indicators(user, year: int, date: dt.date) -> list[IndicatorValue]:
    return [indicator_value(user, i, year, date) for i in SupportIndicator.objects.select_related("min_tier")]


@dataclass
class TaskSupport:
    """The support granted under a plan task's policies in a period: per granting unit and in all."""

    rows: list[dict]
    count: int
    amount: Decimal


def task_support(user, task, starts_on: dt.date, ends_on: dt.date) -> TaskSupport:
    """Grants of the library's policies that serve ``task`` (``Policy.tasks``), paid from
    ``starts_on`` to ``ends_on``, that ``user`` may read, per granting unit (one grouped query).
    Grants under a policy named outside the library serve no task and are not counted."""
    rows = list(
        SupportGrant.objects.for_user(user, VIEW)
        .filter(policy__tasks=task, granted_on__gte=starts_on, granted_on__lte=ends_on)
        .values("department_id", "department__name", "department__short_name", "department__sort_order")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("department__sort_order", "department_id")
    )
    return TaskSupport(
        rows=rows,
        count=sum(r["count"] for r in rows),
        amount=sum((r["amount"] for r in rows), Decimal(0)),
    )

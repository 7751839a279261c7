"""Demo progress reports for the responsibility matrix (called by ``seed_demo``).

For the last four periods that have begun, every responsible unit gets a report in a plausible state
(accepted, submitted, submitted late, returned, draft, or none at all), with history rows, and a few
reminders for missing reports. Deterministic for a given ``rng``; skipped when demo reports exist.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .choices import ReminderKind, ReportKind, ReportStatus
from .models import ProgressReport, Reminder, ReportingPeriod, ReportTransition
from .selectors import SYSTEM_READER, counties, responsible_keys, task_columns, tasks_with_units

PAST_STATES = [("accepted", 50), ("submitted", 15), ("late", 10), ("returned", 5), ("draft", 5), ("none", 15)]
CURRENT_STATES = [("draft", 30), ("submitted", 20), ("none", 50)]

ACTIONS = [
    "召开专题工作会议{n}次，部署专精特新企业培育工作",
    "走访服务专精特新中小企业{n}家，协调解决问题{m}项",
    "组织政策宣讲和培训{n}场，覆盖企业{m}家次",
    "梳理后备企业库，新增入库企业{n}家",
    "联合金融机构开展银企对接活动{n}场，促成融资{m}亿元",
    "推动{n}家企业申报省级专精特新中小企业",
]


def _pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for value, weight in weighted:
        x -= weight
        if x <= 0:
            return value
    return weighted[-1][0]


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def seed(*, rng, today: dt.date, stdout) -> None:
    if ProgressReport.objects.filter(is_demo=True).exists():
        stdout.write("tasks: demo reports already present, skipped")
        return
    reader = SYSTEM_READER
    tasks = tasks_with_units(user=reader)
    county_list = counties()
    columns = {c.key: c for c in task_columns(tasks, county_list)}
    periods = list(ReportingPeriod.objects.filter(starts_on__lte=today).order_by("-starts_on")[:4])[::-1]
    reports, plans = [], []
    for index, period in enumerate(periods):
        overdue = today > period.due_on
        for task in tasks:
            for key, is_lead in responsible_keys(task, county_list).items():
                state = _pick(rng, PAST_STATES if overdue else CURRENT_STATES)
                if state == "none":
                    continue
                column = columns[key]
                n, m = rng.randint(2, 12), rng.randint(5, 60)
                lines = rng.sample(ACTIONS, 2)
                summary = f"围绕“{task.title}”，本期" + "；".join(s.format(n=n, m=m) for s in lines) + "。"
                late = state == "late"
                submitted_on = (
                    period.due_on + dt.timedelta(days=rng.randint(3, 20))
                    if late
                    else period.due_on - dt.timedelta(days=rng.randint(0, 8))
                )
                submitted_on = min(submitted_on, today)
                status = {"late": ReportStatus.SUBMITTED}.get(state, state)
                report = ProgressReport(
                    task=task,
                    period=period,
                    department=column.department,
                    county=column.county,
                    kind=ReportKind.CONSOLIDATED if is_lead else ReportKind.UNIT,
                    status=status,
                    progress_percent=min(100, 20 + 20 * index + rng.randint(0, 15)),
                    summary=summary,
                    figures=f"服务企业：{m}家\n新增后备企业：{n}家",
                    problems="部分企业研发投入不足，申报材料准备周期较长。" if rng.random() < 0.4 else "",
                    next_steps="继续加强政策宣传和跟踪服务。",
                    is_late=late or (state == "draft" and overdue),
                    is_demo=True,
                    submitted_at=_aware(submitted_on, 10) if status != ReportStatus.DRAFT else None,
                    reviewed_at=_aware(submitted_on + dt.timedelta(days=3), 15)
                    if status in (ReportStatus.ACCEPTED, ReportStatus.RETURNED)
                    else None,
                    review_comment="请补充量化数据和典型案例。" if status == ReportStatus.RETURNED else "",
                )
                reports.append(report)
                plans.append(submitted_on)
    with transaction.atomic():
        created = ProgressReport.objects.bulk_create(reports, batch_size=500)
        if created and created[0].pk is None:  # a backend that does not return ids
            created = list(ProgressReport.objects.filter(is_demo=True).order_by("id"))
        transitions = []
        for report, submitted_on in zip(created, plans, strict=True):
            start = _aware(report.period.starts_on + dt.timedelta(days=rng.randint(20, 80)), 9)
            start = min(start, _aware(submitted_on, 9))
            steps: list[tuple[str, str, dt.datetime]] = [("", ReportStatus.DRAFT, start)]
            if report.submitted_at:
                steps.append((ReportStatus.DRAFT, ReportStatus.SUBMITTED, report.submitted_at))
            if report.reviewed_at:
                steps.append((ReportStatus.SUBMITTED, report.status, report.reviewed_at))
            transitions += [
                ReportTransition(
                    report=report,
                    from_status=a,
                    to_status=b,
                    at=at,
                    actor_name="演示数据",
                    progress_percent=report.progress_percent,
                    comment=report.review_comment if b == ReportStatus.RETURNED else "",
                )
                for a, b, at in steps
            ]
        ReportTransition.objects.bulk_create(transitions, batch_size=1000)
        overdue_periods = [p for p in periods if today > p.due_on]
        reminders = []
        if overdue_periods:
            period = overdue_periods[-1]
            have = {(r.task_id, r.department_id, r.county_id) for r in created if r.period_id == period.pk}
            for task in tasks:
                for key in responsible_keys(task, county_list):
                    column = columns[key]
                    slot = (task.pk, getattr(column.department, "pk", None), getattr(column.county, "pk", None))
                    if slot not in have and rng.random() < 0.5:
                        reminders.append(
                            Reminder(
                                period=period,
                                task=task,
                                department=column.department,
                                county=column.county,
                                kind=ReminderKind.MANUAL,
                                created_at=_aware(period.due_on + dt.timedelta(days=2), 9),
                                message=f"请尽快报送“{task.number} {task.title}”{period.name}工作进展（截止日期 {period.due_on:%Y-%m-%d}）。",
                            )
                        )
        Reminder.objects.bulk_create(reminders)
    stdout.write(f"tasks: {len(created)} demo reports, {len(transitions)} history rows, {len(reminders)} reminders")

"""Reads of the responsibility matrix: current period, matrix cells, lateness, my tasks, timelines.

Every read goes through ``for_user``; each function runs a fixed number of queries, whatever the
number of tasks, units or reports (the matrix is a handful of queries, not one per cell).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch
from django.utils import timezone

from accounts.choices import PlaceLevel, Role
from accounts.models import Department, Place
from accounts.roles import scope_of_role
from core.scoping import CHANGE, VIEW, scope_for
from targets.models import Indicator

from .choices import CELL_BADGES, REVIEW, STATUS, CellStatus, ReportKind, ReportStatus
from .models import (
    LEAD_POSITION,
    KeyTask,
    ProgressReport,
    Reminder,
    ReportingPeriod,
    TaskUnit,
    report_allows,
    unit_key,
)

# --------------------------------------------------------------------------------------------------
# Periods and tasks
# --------------------------------------------------------------------------------------------------


def current_period(*, user, today: dt.date | None = None) -> ReportingPeriod | None:
    """The period being reported now: the first whose reports are not yet due (else the last one)."""
    today = today or timezone.localdate()
    periods = ReportingPeriod.objects.for_user(user, VIEW)
    return periods.filter(due_on__gte=today).order_by("due_on").first() or periods.order_by("-due_on").first()


def latest_overdue_period(*, user, today: dt.date | None = None) -> ReportingPeriod | None:
    today = today or timezone.localdate()
    return ReportingPeriod.objects.for_user(user, VIEW).filter(due_on__lt=today).order_by("-due_on").first()


def period_from_code(*, user, code: str | None, default: ReportingPeriod | None) -> ReportingPeriod | None:
    if code:
        found = ReportingPeriod.objects.for_user(user, VIEW).filter(code=code).first()
        if found is not None:
            return found
    return default


def tasks_with_units(*, user):
    """Active tasks with their units (lead first) in two queries."""
    units = TaskUnit.objects.select_related("department").order_by("position")
    return list(
        KeyTask.objects.for_user(user, VIEW).filter(is_active=True).prefetch_related(Prefetch("units", queryset=units))
    )


def counties() -> list[Place]:
    return list(Place.objects.filter(level=PlaceLevel.COUNTY).order_by("sort_order", "code"))


# --------------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    department: Department | None = None
    county: Place | None = None

    @property
    def is_county(self) -> bool:
        return self.county is not None


@dataclass
class Cell:
    column: Column
    responsible: bool = False
    is_lead: bool = False
    status: str | None = None
    report_id: int | None = None
    progress: int | None = None
    can_open: bool = False

    @property
    def label(self):
        return CellStatus(self.status).label if self.status else ""

    @property
    def badge(self) -> str:
        return CELL_BADGES.get(self.status, "")


def cell_status(row: dict | None, period: ReportingPeriod, today: dt.date) -> str:
    """The matrix status of one unit's report (a ``values()`` row, or None when there is none)."""
    status = row["status"] if row else None
    if status == ReportStatus.ACCEPTED:
        return CellStatus.ACCEPTED
    if status == ReportStatus.SUBMITTED:
        return CellStatus.LATE if row["is_late"] else CellStatus.SUBMITTED
    if status == ReportStatus.RETURNED:
        return CellStatus.RETURNED
    if today > period.due_on:
        return CellStatus.MISSING
    return CellStatus.DRAFT if status == ReportStatus.DRAFT else CellStatus.PENDING


def task_columns(tasks: list[KeyTask], county_list: list[Place]) -> list[Column]:
    """Departments that share any of ``tasks`` (in their sort order), then the counties."""
    departments = {}
    for task in tasks:
        for unit in task.units.all():
            departments[unit.department_id] = unit.department
    ordered = sorted(departments.values(), key=lambda d: (d.sort_order, d.code))
    columns = [Column(key=unit_key(d.pk, None), label=d.short_name or d.name, department=d) for d in ordered]
    if any(t.counties_responsible for t in tasks):
        columns += [Column(key=unit_key(None, c.pk), label=c.name, county=c) for c in county_list]
    return columns


def responsible_keys(task: KeyTask, county_list: list[Place]) -> dict[str, bool]:
    """{unit key: is lead} for every unit that reports on ``task``."""
    keys = {unit_key(u.department_id, None): u.position == LEAD_POSITION for u in task.units.all()}
    if task.counties_responsible:
        keys.update({unit_key(None, c.pk): False for c in county_list})
    return keys


def _report_rows(user, period, task_ids=None):
    qs = ProgressReport.objects.for_user(user, STATUS).filter(period=period)
    if task_ids is not None:
        qs = qs.filter(task_id__in=task_ids)
    return {
        (r["task_id"], unit_key(r["department_id"], r["county_id"])): r
        for r in qs.values("id", "task_id", "department_id", "county_id", "status", "is_late", "progress_percent")
    }


def _may_open(user, scope, task: KeyTask, column: Column) -> bool:
    """Would ``user`` be allowed to read this cell's report (same rule as ``for_user``, no query)?"""
    probe = ProgressReport(
        task=task,
        department=column.department,
        county=column.county,
        kind=ReportKind.CONSOLIDATED
        if column.department and column.department.pk == task.lead_department_id
        else ReportKind.UNIT,
    )
    return bool(report_allows(user, VIEW, probe, scope=scope))


@dataclass
class Matrix:
    period: ReportingPeriod
    columns: list[Column]
    rows: list[tuple[KeyTask, list[Cell]]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def matrix(*, user, period: ReportingPeriod, today: dt.date | None = None) -> Matrix:
    """Tasks × (departments + counties); each cell the status of the unit's report for ``period``."""
    today = today or timezone.localdate()
    tasks = tasks_with_units(user=user)
    county_list = counties()
    columns = task_columns(tasks, county_list)
    rows_by_slot = _report_rows(user, period)
    scope = scope_for(user)
    result = Matrix(period=period, columns=columns)
    totals = {s: 0 for s in CellStatus.values}
    for task in tasks:
        keys = responsible_keys(task, county_list)
        cells = []
        for column in columns:
            if column.key not in keys:
                cells.append(Cell(column=column))
                continue
            row = rows_by_slot.get((task.pk, column.key))
            status = cell_status(row, period, today)
            totals[status] += 1
            # The status of every unit's report is public to business readers (STATUS); its figures,
            # the progress percentage among them, only to those who may read the report (VIEW):
            # a county official sees her county's, not another county's.
            readable = bool(row) and _may_open(user, scope, task, column)
            cells.append(
                Cell(
                    column=column,
                    responsible=True,
                    is_lead=keys[column.key],
                    status=status,
                    report_id=row["id"] if row else None,
                    progress=row["progress_percent"] if readable and row else None,
                    can_open=readable,
                )
            )
        result.rows.append((task, cells))
    result.totals = totals
    return result


# --------------------------------------------------------------------------------------------------
# Lateness
# --------------------------------------------------------------------------------------------------


@dataclass
class Slot:
    task: KeyTask
    column: Column
    is_lead: bool
    status: str
    report_id: int | None = None
    reminders: int = 0
    last_reminded: dt.datetime | None = None

    @property
    def label(self):
        return CellStatus(self.status).label

    @property
    def badge(self):
        return CELL_BADGES.get(self.status, "")

    @property
    def needs_reminder(self) -> bool:
        return self.status in (CellStatus.MISSING, CellStatus.PENDING, CellStatus.DRAFT)


def slots(*, user, period: ReportingPeriod, today: dt.date | None = None, statuses=None) -> list[Slot]:
    """Every (task, unit) expected to report for ``period`` with its status, optionally only some
    statuses; with the number of reminders sent for it."""
    today = today or timezone.localdate()
    m = matrix(user=user, period=period, today=today)
    reminder_rows = (
        Reminder.objects.for_user(user, VIEW)
        .filter(period=period)
        .values("task_id", "department_id", "county_id")
        .annotate(n=Count("id"), last=Max("created_at"))
        .order_by()
    )
    reminded = {(r["task_id"], unit_key(r["department_id"], r["county_id"])): r for r in reminder_rows}
    result = []
    for task, cells in m.rows:
        for cell in cells:
            if not cell.responsible or (statuses is not None and cell.status not in statuses):
                continue
            r = reminded.get((task.pk, cell.column.key), {})
            result.append(
                Slot(
                    task=task,
                    column=cell.column,
                    is_lead=cell.is_lead,
                    status=cell.status,
                    report_id=cell.report_id,
                    reminders=r.get("n", 0),
                    last_reminded=r.get("last"),
                )
            )
    return result


LATENESS_STATUSES = (CellStatus.MISSING, CellStatus.LATE)


# --------------------------------------------------------------------------------------------------
# My tasks, timelines
# --------------------------------------------------------------------------------------------------


def user_unit(user) -> tuple[Department | None, Place | None]:
    """The unit a user reports for: her department or her county (or neither)."""
    scope = scope_for(user)
    if scope.reporting_unit and scope.department_id is not None:
        return user.department, None
    if scope.reporting_unit and scope.county_id is not None and scope.write:
        return None, user.county
    return None, None


@dataclass
class MyTask:
    task: KeyTask
    is_lead: bool
    report: ProgressReport | None
    status: str

    @property
    def label(self):
        return CellStatus(self.status).label

    @property
    def badge(self):
        return CELL_BADGES.get(self.status, "")


def my_tasks(*, user, period: ReportingPeriod, today: dt.date | None = None) -> list[MyTask]:
    today = today or timezone.localdate()
    department, county = user_unit(user)
    if department is None and county is None:
        return []
    tasks = tasks_with_units(user=user)
    mine = ProgressReport.objects.for_user(user, CHANGE).filter(period=period)
    reports = {r.task_id: r for r in mine}
    result = []
    for task in tasks:
        if department is not None:
            unit = next((u for u in task.units.all() if u.department_id == department.pk), None)
            if unit is None:
                continue
            is_lead = unit.position == LEAD_POSITION
        else:
            if not task.counties_responsible:
                continue
            is_lead = False
        report = reports.get(task.pk)
        row = {"status": report.status, "is_late": report.is_late} if report else None
        result.append(MyTask(task=task, is_lead=is_lead, report=report, status=cell_status(row, period, today)))
    return result


def review_queue(*, user):
    """Submitted reports the user may accept or return (co-units' reports of the tasks she leads)."""
    return (
        ProgressReport.objects.for_user(user, REVIEW)
        .filter(status=ReportStatus.SUBMITTED)
        .select_related("task", "period", "department", "county")
        .order_by("period__starts_on", "task__sort_order")
    )


def reminders_for(*, user, limit: int = 20):
    return list(Reminder.objects.for_user(user, VIEW).select_related("period", "task", "sent_by")[:limit])


def task_reports(*, user, task: KeyTask):
    """The reports of ``task`` the user may read, newest period first, with history and attachments."""
    return list(
        ProgressReport.objects.for_user(user, VIEW)
        .filter(task=task)
        .select_related("period", "department", "county", "submitted_by", "reviewed_by")
        .prefetch_related("transitions", "attachments")
        .order_by("-period__starts_on", "kind", "department__sort_order", "county__sort_order")
    )


def period_reports_for_export(*, user, period: ReportingPeriod):
    return (
        ProgressReport.objects.for_user(user, VIEW)
        .filter(period=period)
        .select_related("task", "department", "county", "submitted_by", "reviewed_by")
        .annotate(attachment_count=Count("attachments"))
        .order_by("task__sort_order", "kind", "department__sort_order", "county__sort_order")
    )


class SystemReader:
    """Jobs and demo seeding (no user) read the whole matrix as a city-wide reader."""

    is_authenticated = True
    is_active = True
    role = Role.CITY_OPERATOR
    county_id = None
    department_id = None
    username = "system"

    @property
    def scope(self):
        return scope_of_role(self)

    def __str__(self):
        return "system"


SYSTEM_READER = SystemReader()


def served_indicators(task: KeyTask) -> list[Indicator]:
    """The goal indicators a task serves (its ``indicator_codes``), in the task's order; a code
    with no indicator (removed from the plan) is left out. One query."""
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=task.indicator_codes or [])}
    return [by_code[code] for code in task.indicator_codes or [] if code in by_code]


def may_coordinate(user) -> bool:
    """City operators see who is late, send reminders and export the matrix."""
    return scope_for(user).city_wide_write

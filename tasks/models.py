"""The responsibility matrix: the plan's key tasks, who leads and shares each, reporting periods, and
the units' periodic progress reports with their history, attachments and reminders.

Tasks, their units and the reporting periods are reference data (``fixtures/reference/080_tasks.yaml``).
Progress reports belong to a unit: a department (``department``) or a county (``county``). Who may do
what with them is stated once, ``_report_rule``, and read two ways: ``report_filter`` (a ``Q`` for
querysets, used by ``ReportQuerySet.for_user``) and ``report_allows`` (one instance, used by
``core.scoping.require`` through ``ProgressReport.scope_check``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cached_property

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import PlaceLevel, Role
from accounts.models import Department, Place
from core.models import VersionedModel
from core.scoping import CHANGE, VIEW, Scope, ScopedQuerySet, scope_for

from .choices import (
    REVIEW,
    STATUS,
    AttachmentKind,
    ReminderKind,
    ReportKind,
    ReportStatus,
    TaskKind,
)

LEAD_POSITION = 1  # the first unit the plan names leads the task (牵头单位)


# --------------------------------------------------------------------------------------------------
# Reference data: tasks, their units, reporting periods
# --------------------------------------------------------------------------------------------------


def reference_scope_check(user, action: str) -> Scope:
    """Reference rows of the plan: every business reader reads them, city-wide writers change them."""
    scope = scope_for(user)
    allowed = scope.read if action == VIEW else (action == CHANGE and scope.city_wide_write)
    if not allowed:
        raise PermissionDenied
    return scope


class ReferenceQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        try:
            reference_scope_check(user, action)
        except PermissionDenied:
            return self.none()
        return self


_ReferenceManagerBase = models.Manager.from_queryset(ReferenceQuerySet)


class ReferenceManager(_ReferenceManagerBase):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class ReportingPeriod(models.Model):
    """A period units report on (a quarter by default), with the date its reports are due."""

    code = models.CharField(_("code"), max_length=16, unique=True, help_text=_("For example 2024Q1."))
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    due_on = models.DateField(_("reports due on"))

    objects = ReferenceManager()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("ends_on")), name="period_due_after_end"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    def scope_check(self, user, action):
        return reference_scope_check(user, action)

    def is_overdue(self, today: dt.date) -> bool:
        return today > self.due_on


class KeyTask(models.Model):
    """A key task (section 二) or organisational safeguard (section 三) of the plan."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    number = models.CharField(_("number"), max_length=20, help_text=_("As the plan numbers it, e.g. 二（二）1."))
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices, default=TaskKind.TASK)
    group_title = models.CharField(_("section heading"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=100)
    measures = models.TextField(_("measures"), help_text=_("The text of the measures, as the plan states them."))
    counties_responsible = models.BooleanField(
        _("all counties responsible"),
        default=True,
        help_text=_("Every county government reports on this task."),
    )
    departments: models.ManyToManyField[Department, TaskUnit] = models.ManyToManyField(
        Department, verbose_name=_("responsible units"), through="TaskUnit", related_name="key_tasks"
    )
    indicator_codes = models.JSONField(
        _("indicators served"),
        default=list,
        blank=True,
        help_text=_("Codes of the goal indicators this task serves (targets app)."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    source_document = models.CharField(_("source document"), max_length=100, blank=True)

    objects = ReferenceManager()

    class Meta:
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.number} {self.title}"

    def natural_key(self):
        return (self.code,)

    def scope_check(self, user, action):
        return reference_scope_check(user, action)

    def get_absolute_url(self):
        return reverse("tasks:task_detail", args=[self.code])

    @cached_property
    def lead_department_id(self) -> int | None:
        units = getattr(self, "_prefetched_objects_cache", {}).get("units")
        if units is not None:
            return next((u.department_id for u in units if u.position == LEAD_POSITION), None)
        return self.units.filter(position=LEAD_POSITION).values_list("department_id", flat=True).first()


class TaskUnitManager(models.Manager):
    def get_by_natural_key(self, task_code, department_code):
        return self.get(task__code=task_code, department__code=department_code)


class TaskUnit(models.Model):
    """A department responsible for a task, in the plan's order: position 1 leads.

    Positions are not unique in the database, so that loading the plan's fixture again over units
    reordered by hand restores the plan's order row by row; ``task_save`` writes them as 1…n."""

    task = models.ForeignKey(KeyTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="units")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="task_units"
    )
    position = models.PositiveSmallIntegerField(
        _("position"), validators=[MinValueValidator(1)], help_text=_("1 is the lead unit (牵头单位).")
    )

    objects = TaskUnitManager()

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["task__sort_order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department"], name="unique_task_department"),
            models.CheckConstraint(condition=Q(position__gte=1), name="task_unit_position_positive"),
        ]

    def __str__(self):
        return f"{self.task.number} · {self.department}"

    def natural_key(self):
        return (self.task.code, self.department.code)

    natural_key.dependencies = ["tasks.keytask", "accounts.department"]  # type: ignore[attr-defined]

    @property
    def is_lead(self) -> bool:
        return self.position == LEAD_POSITION


def led_task_ids(department_id):
    """Subquery: the tasks a department leads."""
    return TaskUnit.objects.filter(department_id=department_id, position=LEAD_POSITION).values("task_id")


# --------------------------------------------------------------------------------------------------
# Who may do what with a progress report: the one rule, as a Q and as a predicate
# --------------------------------------------------------------------------------------------------


def _role_may(scope: Scope, role, action: str) -> bool:
    """May a role do ``action`` on progress reports at all (else 403)?"""
    if action in (STATUS, VIEW):
        return scope.read
    if action == CHANGE:
        return (role == Role.DEPARTMENT_USER and scope.department_id is not None) or (
            role == Role.COUNTY_OFFICIAL and scope.write and scope.county_id is not None
        )
    if action == REVIEW:
        return (role == Role.DEPARTMENT_USER and scope.department_id is not None) or (
            role == Role.CITY_OPERATOR and scope.read
        )
    raise ValueError(f"unknown action {action!r}")


def _report_rule(scope: Scope, role, action: str) -> list[dict] | None:
    """The one rule of who may do what with progress reports: ``None`` when the role may not do the
    action at all (403), else alternatives (any one suffices) of conditions on the report, each a
    dict of ``county`` / ``department`` (an id, or None: none), ``kind``, ``led_by`` (the task's
    lead department); ``{}`` is every report.

    - STATUS (that a report exists, its status): every business reader; the matrix shows all units.
    - VIEW: a county official her county's reports; a department user her department's reports and
      every report of the tasks her department leads; city operators, viewers: all.
    - CHANGE (write one's own report): a department user for her department, a county official for
      her county; nobody else.
    - REVIEW (accept / return): the lead department, for its co-units' reports; city operators, for
      the lead units' consolidated reports.
    """
    if not _role_may(scope, role, action):
        return None
    if action == STATUS:
        return [{}]
    if action == VIEW:
        if scope.county_id is not None:
            return [{"county": scope.county_id}]
        if role == Role.DEPARTMENT_USER:
            return [{"department": scope.department_id}, {"led_by": scope.department_id}]
        return [{}]
    if action == CHANGE:
        if role == Role.DEPARTMENT_USER:
            return [{"department": scope.department_id, "county": None}]
        return [{"county": scope.county_id, "department": None}]
    # REVIEW
    if role == Role.DEPARTMENT_USER:
        return [{"kind": ReportKind.UNIT, "led_by": scope.department_id}]
    return [{"kind": ReportKind.CONSOLIDATED}]


def _condition_q(name: str, value) -> Q:
    if name == "led_by":
        return Q(task_id__in=led_task_ids(value))
    if name in ("county", "department"):
        return Q(**{f"{name}__isnull": True}) if value is None else Q(**{f"{name}_id": value})
    return Q(**{name: value})


def _condition_holds(report: ProgressReport, name: str, value) -> bool:
    if name == "led_by":
        return report.task.lead_department_id == value
    return getattr(report, f"{name}_id" if name in ("county", "department") else name) == value


def report_filter(user, action: str) -> Q | None:
    """The progress reports ``user`` may ``action`` (``_report_rule``), as a ``Q``; ``None`` when the
    role may not do the action at all (403)."""
    rule = _report_rule(scope_for(user), getattr(user, "role", None), action)
    if rule is None:
        return None
    found = None
    for alternative in rule:
        q = Q()
        for name, value in alternative.items():
            q &= _condition_q(name, value)
        found = q if found is None else found | q
    return found


def report_allows(user, action: str, report: ProgressReport, scope: Scope | None = None) -> bool | None:
    """``_report_rule`` evaluated on one (possibly unsaved) report: None when the role may not do the
    action at all, else whether this report is within the user's reach. ``scope``: the user's, if
    the caller already has it (the matrix asks once per cell)."""
    rule = _report_rule(scope or scope_for(user), getattr(user, "role", None), action)
    if rule is None:
        return None
    return any(
        all(_condition_holds(report, name, value) for name, value in alternative.items()) for alternative in rule
    )


class ReportQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        q = report_filter(user, action)
        return self.none() if q is None else self.filter(q)


class ProgressReport(VersionedModel):
    """One unit's progress report on one task for one period: draft → submitted → returned / accepted.

    The unit is a department (``department``) or a county (``county``), never both. The lead
    department's report is the task's consolidated report."""

    scope_county_field = "county"

    task = models.ForeignKey(KeyTask, verbose_name=_("task"), on_delete=models.PROTECT, related_name="reports")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="reports"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    county = models.ForeignKey(
        Place,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="progress_reports",
        limit_choices_to={"level": PlaceLevel.COUNTY},
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices, default=ReportKind.UNIT)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT, db_index=True
    )
    progress_percent = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    summary = models.TextField(_("work done"), blank=True)
    figures = models.TextField(
        _("key figures"), blank=True, help_text=_("One per line, for example: 新增省级专精特新企业：35家")
    )
    problems = models.TextField(_("problems and difficulties"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    is_late = models.BooleanField(_("late"), default=False, help_text=_("Not submitted by the due date of its period."))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["period__starts_on", "task__sort_order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False, county__isnull=True)
                | Q(department__isnull=True, county__isnull=False),
                name="report_has_one_unit",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ReportKind.CONSOLIDATED) | Q(department__isnull=False),
                name="consolidated_report_by_department",
            ),
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="report_progress_at_most_100"),
            models.UniqueConstraint(
                fields=["task", "period", "department"],
                condition=Q(department__isnull=False),
                name="unique_department_report",
            ),
            models.UniqueConstraint(
                fields=["task", "period", "county"], condition=Q(county__isnull=False), name="unique_county_report"
            ),
        ]
        indexes = [models.Index(fields=["period", "task"]), models.Index(fields=["period", "status"])]

    def __str__(self):
        return f"{self.task.number} · {self.unit} · {self.period.code}"

    @property
    def unit(self):
        return self.department if self.department_id else self.county

    @property
    def unit_key(self) -> str:
        return unit_key(self.department_id, self.county_id)

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)

    def get_absolute_url(self):
        return reverse("tasks:report_detail", args=[self.pk])

    def scope_check(self, user, action: str) -> Scope:
        """Called by ``core.scoping.require`` (and so by ``scoped_save``)."""
        allowed = report_allows(user, action, self)
        if allowed is None:
            raise PermissionDenied
        if not allowed:
            raise Http404
        return scope_for(user)


def unit_key(department_id: int | None, county_id: int | None) -> str:
    """``d12`` / ``c3``: one key for a matrix column, whichever kind of unit it is."""
    return f"d{department_id}" if department_id else f"c{county_id}"


class ChildOfReportQuerySet(ScopedQuerySet):
    """Rows belonging to a report (history, attachments) follow their report's rule."""

    def for_user(self, user, action: str = VIEW):
        return self.filter(report__in=ProgressReport.objects.for_user(user, action))


class ReportTransition(models.Model):
    """One step of a report's workflow (created, submitted, returned, accepted), never edited."""

    scope_county_field = "report__county"

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ReportStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    comment = models.TextField(_("comment"), blank=True)

    objects = ChildOfReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report history entry")
        verbose_name_plural = _("report history")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.report_id}: {self.from_status or '—'} → {self.to_status}"

    def scope_check(self, user, action):
        return self.report.scope_check(user, action)


def attachment_path(instance: ReportAttachment, filename: str) -> str:
    return f"tasks/reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.kind}"


class ReportAttachment(models.Model):
    """A file attached to a report; its type is detected from its content, not its name."""

    scope_county_field = "report__county"

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=8, choices=AttachmentKind.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = ChildOfReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    def scope_check(self, user, action):
        return self.report.scope_check(user, action)

    def get_absolute_url(self):
        return reverse("tasks:attachment_download", args=[self.pk])


# --------------------------------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------------------------------


def reminder_filter(user, action: str) -> Q | None:
    """VIEW: a unit reads the reminders addressed to it; city operators and viewers read all.
    CHANGE (send): city operators only."""
    scope = scope_for(user)
    role = getattr(user, "role", None)
    if action == VIEW:
        if not scope.read:
            return None
        if scope.county_id is not None:
            return Q(county_id=scope.county_id)
        if role == Role.DEPARTMENT_USER:
            return Q(department_id=scope.department_id)
        return Q()
    if action == CHANGE:
        return Q() if role == Role.CITY_OPERATOR and scope.city_wide_write else None
    raise ValueError(f"unknown action {action!r}")


class ReminderQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        q = reminder_filter(user, action)
        return self.none() if q is None else self.filter(q)


class Reminder(models.Model):
    """A notice to a unit that its report for a period is due or overdue, shown on its my-tasks page."""

    scope_county_field = "county"

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="reminders"
    )
    task = models.ForeignKey(
        KeyTask, verbose_name=_("task"), null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders",
    )
    county = models.ForeignKey(
        Place, verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices, default=ReminderKind.MANUAL)
    message = models.TextField(_("message"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False, county__isnull=True)
                | Q(department__isnull=True, county__isnull=False),
                name="reminder_has_one_unit",
            ),
        ]

    def __str__(self):
        unit = self.department if self.department_id else self.county
        return f"{unit} · {self.period.code}"

    def scope_check(self, user, action: str) -> Scope:
        q = reminder_filter(user, action)
        if q is None:
            raise PermissionDenied
        scope = scope_for(user)
        if action == VIEW:
            if scope.county_id is not None and self.county_id != scope.county_id:
                raise Http404
            if getattr(user, "role", None) == Role.DEPARTMENT_USER and self.department_id != scope.department_id:
                raise Http404
        return scope

"""Service commissioners (服务专员), visits (走访) and enterprise requests (诉求), the plan's task 二（三）5.

An enterprise has at most one current commissioner (``is_current``, a partial unique constraint);
earlier assignments stay as history with the date they ended. Writes go through ``support.services``
(``core.services.scoped_save``): the county official assigns within the county, the city operator
anywhere (``scope_county_field``).

Requests are routed by category (reference data: lead department, co-departments and the deadlines in
working days) and scoped by one rule, ``request_filter`` (querysets) / ``request_allows`` (one row):
department users read the requests routed to their department (lead or co-department) in every
county, county officials their county's, commissioners those of the enterprises they serve, the city
and viewers all.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Department, Place
from core.models import VersionedModel
from core.scoping import CHANGE, VIEW, Scope, ScopedQuerySet, scope_for
from tasks.choices import AttachmentKind
from tasks.models import ReferenceManager, reference_scope_check

from .choices import (
    NoticeKind,
    RequestAction,
    RequestSource,
    RequestStatus,
    Satisfaction,
    Stage,
    Urgency,
    VisitForm,
)


class CommissionerAssignment(VersionedModel):
    """One enterprise served by one commissioner from ``starts_on`` until ``ends_on`` (open: current)."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="commissioner_assignments",
    )
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service commissioner"),
        on_delete=models.PROTECT,
        related_name="commissioner_assignments",
    )
    starts_on = models.DateField(_("assigned from"), default=timezone.localdate)
    ends_on = models.DateField(_("assigned until"), null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=True, db_index=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("commissioner assignment")
        verbose_name_plural = _("commissioner assignments")
        ordering = ["enterprise_id", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(is_current=True),
                name="support_one_current_commissioner",
                violation_error_message=_("This enterprise already has a current service commissioner."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="support_assignment_ends_after_start",
                violation_error_message=_("The assignment cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["commissioner", "is_current"], name="support_assign_user_current")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.commissioner}"


class CommissionerImportChange(models.Model):
    """What one committed commissioner import (the ``commissioners`` import kind) did to one
    enterprise: the assignment it created, and the current one it ended (if any), with the versions
    after the import (the undo refuses when either was changed afterwards)."""

    statistic_import = models.ForeignKey(
        "enterprises.StatisticImport",
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="commissioner_changes",
        db_constraint=False,
    )
    assignment_id = models.BigIntegerField(_("assignment id"), db_index=True)
    enterprise_id = models.BigIntegerField(_("enterprise id"))
    commissioner_id = models.BigIntegerField(_("commissioner id"))
    starts_on = models.DateField(_("assigned from"))
    row_no = models.PositiveIntegerField(_("row number"), default=0)
    previous_id = models.BigIntegerField(_("previous assignment id"), null=True, blank=True, db_index=True)
    previous_commissioner_id = models.BigIntegerField(_("previous commissioner id"), null=True, blank=True)
    previous_version_after = models.PositiveIntegerField(_("previous assignment's version after"), null=True)

    class Meta:
        verbose_name = _("commissioner import change")
        verbose_name_plural = _("commissioner import changes")
        indexes = [models.Index(fields=["statistic_import", "row_no"], name="support_cic_import_row")]

    def __str__(self) -> str:
        return f"#{self.statistic_import_id} · {self.assignment_id}"


# --------------------------------------------------------------------------------------------------
# Reference data: categories with their routing and deadlines, the working-day calendar's overrides
# --------------------------------------------------------------------------------------------------


class RequestCategory(models.Model):
    """A kind of request (融资, 用地 …): the department that leads it, those that share it, and the
    deadlines in working days (accept, first reply, close). Loaded from ``fixtures/reference``."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), on_delete=models.PROTECT, related_name="+"
    )
    co_departments = models.ManyToManyField(
        Department, verbose_name=_("co-departments"), blank=True, related_name="support_categories"
    )
    accept_days = models.PositiveSmallIntegerField(
        _("working days to accept"), default=1, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    reply_days = models.PositiveSmallIntegerField(
        _("working days to the first reply"), default=5, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    close_days = models.PositiveSmallIntegerField(
        _("working days to close"), default=15, validators=[MinValueValidator(1), MaxValueValidator(250)]
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ReferenceManager()

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def scope_check(self, user: Any, action: str) -> Scope:
        return reference_scope_check(user, action)


class CalendarOverride(models.Model):
    """A local change to the national working-day calendar (``chinesecalendar``): a day off or an
    extra working day decided locally, or a year the library does not know yet."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    objects = ReferenceManager()

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return self.date.isoformat()

    def scope_check(self, user: Any, action: str) -> Scope:
        return reference_scope_check(user, action)


# --------------------------------------------------------------------------------------------------
# Scoping of visits and requests
# --------------------------------------------------------------------------------------------------


def _serves(user: Any, enterprise_ref: str) -> Exists:
    return Exists(
        CommissionerAssignment.objects.filter(
            enterprise_id=OuterRef(enterprise_ref), commissioner_id=user.pk, is_current=True
        )
    )


def visit_filter(user: Any, action: str) -> Q | None:
    """VIEW: every business reader, county officials their county. CHANGE: the city operator, the
    county official in the county, a department user for the enterprises they serve."""
    scope = scope_for(user)
    if action == VIEW:
        if not scope.read:
            return None
        return Q() if scope.county_id is None else Q(enterprise__county_id=scope.county_id)
    if action == CHANGE:
        role = getattr(user, "role", None)
        if role == Role.CITY_OPERATOR and scope.write:
            return Q()
        if role == Role.COUNTY_OFFICIAL and scope.write:
            return Q(enterprise__county_id=scope.county_id)
        if role == Role.DEPARTMENT_USER and scope.read:
            return Q(_serves(user, "enterprise_id"))
        return None
    raise ValueError(f"unknown action {action!r}")


def request_filter(user: Any, action: str) -> Q | None:
    """The one rule for requests. VIEW: the city and viewers all; county officials (and county API
    clients) their county's; department users those routed to their department (lead or
    co-department, in every county) and those of the enterprises they serve. CHANGE: the city
    operator all; county officials their county's; department users the requests their department
    handles or just transferred, and those of the enterprises they serve; writing API clients in
    their county (or all)."""
    scope = scope_for(user)
    role = getattr(user, "role", None)
    if action not in (VIEW, CHANGE):
        raise ValueError(f"unknown action {action!r}")
    if not scope.read:
        return None
    if role == Role.DEPARTMENT_USER:
        department: Any = scope.department_id
        if action == VIEW:
            co = Exists(
                RequestCategory.co_departments.through.objects.filter(
                    requestcategory_id=OuterRef("category_id"), department_id=department
                )
            )
            return Q(department_id=department) | Q(co) | Q(_serves(user, "enterprise_id"))
        return Q(department_id=department) | Q(transferred_from_id=department) | Q(_serves(user, "enterprise_id"))
    if action == CHANGE and not scope.write:
        return None
    return Q() if scope.county_id is None else Q(county_id=scope.county_id)


def _serves_row(user: Any, enterprise_id: Any) -> bool:
    return CommissionerAssignment.objects.filter(
        enterprise_id=enterprise_id, commissioner_id=user.pk, is_current=True
    ).exists()


def row_allows(user: Any, action: str, obj: Any) -> Scope:
    """``request_filter``/``visit_filter`` for one row in memory (``core.scoping.require``): a role
    without the action at all gets 403, a row outside the user's reach 404."""
    rule = request_filter if isinstance(obj, EnterpriseRequest) else visit_filter
    if rule(user, action) is None:
        raise PermissionDenied
    scope = scope_for(user)
    role = getattr(user, "role", None)
    county_id = obj.county_id if isinstance(obj, EnterpriseRequest) else obj.enterprise.county_id
    if role == Role.DEPARTMENT_USER:
        if isinstance(obj, EnterpriseRequest):
            own = obj.department_id == scope.department_id
            if action == VIEW:
                own = own or obj.category.co_departments.filter(pk=cast(Any, scope.department_id)).exists()
            else:
                own = own or obj.transferred_from_id == scope.department_id
        else:
            own = action == VIEW
        if own or _serves_row(user, obj.enterprise_id):
            return scope
        raise Http404
    if scope.county_id is None or scope.county_id == county_id:
        return scope
    raise Http404


class VisitQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = VIEW) -> Any:
        q = visit_filter(user, action)
        return self.none() if q is None else self.filter(q)


class RequestQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = VIEW) -> Any:
        q = request_filter(user, action)
        return self.none() if q is None else self.filter(q)


class NoticeQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = VIEW) -> Any:
        q = request_filter(user, VIEW) if action == VIEW else None
        return self.none() if q is None else self.filter(request__in=EnterpriseRequest.objects.filter(q))


# --------------------------------------------------------------------------------------------------
# Visits and requests
# --------------------------------------------------------------------------------------------------


class Visit(VersionedModel):
    """A commissioner's visit (走访): what the enterprise reported and when to come back."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visited by"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("visit date"))
    form = models.CharField(_("form"), max_length=16, choices=VisitForm.choices, default=VisitForm.ON_SITE)
    participants = models.CharField(_("participants"), max_length=200, blank=True)
    orders = models.TextField(_("orders"), blank=True)
    production = models.TextField(_("production"), blank=True)
    employment = models.TextField(_("employment"), blank=True)
    investment = models.TextField(_("investment plans"), blank=True)
    situation = models.TextField(_("other observations"), blank=True)
    next_visit_on = models.DateField(_("next visit"), null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "-visited_on"], name="support_visit_ent_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_visit_on__isnull=True) | Q(next_visit_on__gte=models.F("visited_on")),
                name="support_next_visit_after_visit",
                violation_error_message=_("The next visit cannot be before this one."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.visited_on}"

    def scope_check(self, user: Any, action: str) -> Scope:
        return row_allows(user, action, self)


class EnterpriseRequest(VersionedModel):
    """A request (诉求) of an enterprise, handled by a department within deadlines in working days."""

    scope_county_field = "county"

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="requests"
    )
    county = models.ForeignKey(
        Place, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    category = models.ForeignKey(
        RequestCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="requests"
    )
    description = models.TextField(_("request description"))
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    source = models.CharField(_("source"), max_length=16, choices=RequestSource.choices, default=RequestSource.PORTAL)
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True, unique=True)
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("handling department"), on_delete=models.PROTECT, related_name="+"
    )
    transferred_from = models.ForeignKey(
        Department,
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    status_before_suspension = models.CharField(max_length=16, choices=RequestStatus.choices, blank=True)
    received_on = models.DateField(_("received on"), default=timezone.localdate, db_index=True)
    accept_due = models.DateField(_("accept by"))
    reply_due = models.DateField(_("first reply by"))
    close_due = models.DateField(_("close by"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    days_to_close = models.PositiveSmallIntegerField(_("days to close"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise request")
        verbose_name_plural = _("enterprise requests")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["department", "status"], name="support_req_dept_status"),
            models.Index(fields=["county", "received_on"], name="support_req_county_date"),
            models.Index(fields=["-received_on", "-id"], name="support_req_newest"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    def scope_check(self, user: Any, action: str) -> Scope:
        return row_allows(user, action, self)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.enterprise_id and not self.county_id:
            self.county_id = self.enterprise.county_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.enterprise_id and not self.county_id:
            self.county_id = self.enterprise.county_id

    @property
    def is_open(self) -> bool:
        return self.status != RequestStatus.CLOSED

    def current_due(self) -> tuple[str, Any] | None:
        """The stage whose deadline runs now and its date (None when nothing runs: closed, suspended,
        returned to the recorder)."""
        if self.status == RequestStatus.PENDING:
            return Stage.ACCEPT, self.accept_due
        if self.status == RequestStatus.IN_PROGRESS:
            return (Stage.REPLY, self.reply_due) if self.replied_on is None else (Stage.CLOSE, self.close_due)
        if self.status == RequestStatus.REPLIED:
            return Stage.CLOSE, self.close_due
        return None


class RequestEvent(models.Model):
    """One step of a request's life: who, when, what, and the text they gave."""

    scope_county_field = "request__county"

    request = models.ForeignKey(
        EnterpriseRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=16, choices=RequestAction.choices)
    from_status = models.CharField(_("from status"), max_length=16, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, choices=RequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    text = models.TextField(_("text"), blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"

    def scope_check(self, user: Any, action: str) -> Scope:
        return self.request.scope_check(user, action)


class RequestNotice(models.Model):
    """A deadline notice of the beat job: due soon (to the department) or overdue (escalated to the
    department's lead and the city). One per request, stage and due date."""

    scope_county_field = "request__county"

    request = models.ForeignKey(
        EnterpriseRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    due_on = models.DateField(_("due on"))
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+")
    escalated_to_city = models.BooleanField(_("escalated to the city"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline notice")
        verbose_name_plural = _("deadline notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind", "stage", "due_on"], name="support_one_notice_per_due")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.stage}"


class AttachmentQuerySet(ScopedQuerySet):
    """An attachment is read by whoever reads its request (``request_filter``)."""

    def for_user(self, user: Any, action: str = VIEW) -> Any:
        q = request_filter(user, action)
        return self.none() if q is None else self.filter(request__in=EnterpriseRequest.objects.filter(q))


def request_attachment_path(instance: RequestAttachment, filename: str) -> str:
    """Under MEDIA_ROOT, named by a random id (the original name is kept in the row only)."""
    return f"support/requests/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.kind}"


class RequestAttachment(models.Model):
    """A file attached to a request (the enterprise's documents, a department's reply); its type is
    detected from its content (``tasks.attachments.check_upload``), and it is served only through the
    scoped download view."""

    scope_county_field = "request__county"

    request = models.ForeignKey(
        EnterpriseRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=request_attachment_path, max_length=200)
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

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("request attachment")
        verbose_name_plural = _("request attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def scope_check(self, user: Any, action: str) -> Scope:
        return self.request.scope_check(user, action)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("support:attachment_download", args=[self.pk])

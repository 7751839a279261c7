"""Organisation (places, departments), users, API clients and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ADMIN_ROLES, AuditAction, AuditCategory, PlaceLevel, ResetStatus, Role


class NaturalKeyManager(models.Manager):
    """Lets fixtures refer to reference rows by their code, so loading them again updates in place."""

    natural_key_field = "code"

    def get_by_natural_key(self, code):
        return self.get(**{self.natural_key_field: code})


class Place(models.Model):
    """An administrative division (GB/T 2260): province → city → county, loaded from fixtures."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=16, choices=PlaceLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class Department(models.Model):
    """A unit named by the plan (市工业和信息化局, 江门海关, …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class User(AbstractUser):
    """A portal user. A county official belongs to one county, a department user to one department;
    city-level roles belong to the city as a whole."""

    # A new account reads nothing until the security administrator grants a role (三权分立).
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.NO_ROLE)
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    county = models.ForeignKey(
        Place,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        limit_choices_to={"level": PlaceLevel.COUNTY},
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    is_unit_lead = models.BooleanField(
        _("leads the unit"),
        default=False,
        help_text=_("A department user who leads the department: overdue enterprise requests are escalated to them."),
    )
    must_change_password = models.BooleanField(_("must change password at next login"), default=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.COUNTY_OFFICIAL) | Q(county__isnull=False),
                name="county_official_has_county",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.DEPARTMENT_USER) | Q(department__isnull=False),
                name="department_user_has_department",
            ),
            models.CheckConstraint(
                condition=Q(is_unit_lead=False) | Q(role=Role.DEPARTMENT_USER), name="unit_lead_is_a_department_user"
            ),
        ]
        permissions = [
            ("reveal_personal_data", _("Can reveal masked personal data (contact names and phone numbers)")),
        ]

    def __str__(self):
        return self.full_name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def password_expires_at(self):
        """When the password must be changed (None: the policy sets no maximum age)."""
        from django.conf import settings

        days = settings.PASSWORD_MAX_AGE_DAYS
        if not days:
            return None
        return (self.password_changed_at or self.date_joined) + timedelta(days=days)

    @property
    def password_expired(self) -> bool:
        if not self.has_usable_password():  # single sign-on accounts: the provider's password policy
            return False
        expires = self.password_expires_at
        return expires is not None and expires <= timezone.now()

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def scope(self):
        """What this user may do with business data (``core.scoping.scope_for`` reads it)."""
        from core.scoping import NO_ACCESS

        from .roles import scope_of_role

        if not self.is_active:
            return NO_ACCESS
        return scope_of_role(self)


class PasswordHistory(models.Model):
    """A password hash a user had, so that the last few cannot be used again."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class PasswordResetRequest(models.Model):
    """Two-person rule for password resets: the system administrator asks, the security administrator
    approves (and only then is a one-time password set, shown to the approver) or rejects."""

    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="password_reset_requests"
    )
    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=ResetStatus.choices, default=ResetStatus.PENDING)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        ordering = ["-requested_at", "-id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status=ResetStatus.PENDING), name="one_pending_password_reset_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.requested_at:%Y-%m-%d %H:%M}"


class ApiClient(models.Model):
    """A calling system. Its key is stored hashed; requests run as its service ``user`` (role
    ``api_client``, optionally limited to one county), so the web scoping applies unchanged."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    user = models.OneToOneField(
        User, verbose_name=_("service account"), on_delete=models.PROTECT, related_name="api_client"
    )
    key_prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=128)
    can_write = models.BooleanField(_("may write"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AuditLog(models.Model):
    """One append-only row per business write or security event.

    Rows are chained (``hash`` covers the row and the previous row's hash), so an edit made behind
    the application's back is detectable; the database refuses UPDATE and DELETE on this table.
    """

    timestamp = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=8, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=AuditCategory.choices)
    action = models.CharField(_("action"), max_length=24, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    shown_repr: str  # not a column: the object as the audit views show it (masked unless revealed)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    county_code = models.CharField(_("county code"), max_length=12, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-id"]
        default_permissions = ("view",)
        # Plain b-tree indexes (no varchar_pattern_ops twins): searches are by equality, and every
        # extra index slows the bulk audit of an import.
        indexes = [
            models.Index(fields=["actor_username"], name="auditlog_actor_idx"),
            models.Index(fields=["request_id"], name="auditlog_request_idx"),
            models.Index(fields=["action"], name="auditlog_action_idx"),
            models.Index(fields=["object_type", "object_id"], name="auditlog_object_idx"),
            models.Index(fields=["county_code"], name="auditlog_county_idx"),
        ]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_repr}"

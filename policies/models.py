"""The policy library (涉企政策库): policies, their support types and eligibility conditions.

Support types are reference data (``fixtures/reference/100_support_types.yaml``). A policy is
entered by the city operator or by a user of its issuing department; who may change it is stated
once in ``policy_writer_filter`` (querysets) and ``Policy.scope_check`` (one row, used by
``core.services.scoped_save``). Every business reader reads every policy: policies are public
documents; an expired policy stays listed as history.

Eligibility conditions are rows evaluated by the same criteria engine as dynamic management's
pre-check (``enterprises.dynamics.precheck.evaluate``): ``policies.matching`` turns each row into a
``CriterionSpec`` (threshold kind; rows sharing a *group* are alternatives) and, for the match
lists, into a SQL expression with the same three values (met / missed / unknown).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import PlaceLevel
from accounts.models import Department, NaturalKeyManager, Place
from core.models import VersionedModel
from core.scoping import CHANGE, VIEW, Scope, ScopedQuerySet, scope_for
from enterprises.choices import ListingStage
from enterprises.dynamics.choices import Figure, Operator
from enterprises.dynamics.precheck import fmt
from enterprises.models import Industry, Tag, Tier
from support.models import CommissionerAssignment
from tasks.attachments import CONTENT_TYPES
from tasks.choices import AttachmentKind
from tasks.models import KeyTask

from .choices import SQL_FIGURES, Channel, ConditionKind, IndicatorGroup, IndicatorKind, Intention, PushStep


class SupportType(models.Model):
    """A kind of support (资金奖补, 贷款贴息, …): reference data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("support type")
        verbose_name_plural = _("support types")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


def may_write_policies(scope: Scope) -> bool:
    """The city operator and department users enter policies (the latter for their own unit)."""
    return scope.city_wide_write or (scope.department_id is not None and scope.county_id is None)


def policy_writer_filter(user) -> Q | None:
    """Which policies ``user`` may change: None when none at all."""
    scope = scope_for(user)
    if scope.city_wide_write:
        return Q()
    if may_write_policies(scope):
        return Q(issuing_department_id=scope.department_id)
    return None


class PolicyQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        if action == VIEW:
            return self if scope_for(user).read else self.none()
        q = policy_writer_filter(user)
        return self.none() if q is None else self.filter(q)

    def in_force(self, date: dt.date):
        return self.filter(valid_from__lte=date).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date))


class Policy(VersionedModel):
    """An enterprise-related policy: document, units, support type, windows and conditions."""

    title = models.CharField(_("policy title"), max_length=200)
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    issuing_department = models.ForeignKey(
        Department, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="policies_issued"
    )
    implementing_department = models.ForeignKey(
        Department,
        verbose_name=_("implementing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies_implemented",
        help_text=_("Empty: the issuing unit implements it."),
    )
    tasks = models.ManyToManyField(KeyTask, verbose_name=_("plan tasks served"), blank=True, related_name="policies")
    support_type = models.ForeignKey(
        SupportType, verbose_name=_("support type"), on_delete=models.PROTECT, related_name="policies"
    )
    apply_from = models.DateField(_("applications from"), null=True, blank=True)
    apply_to = models.DateField(_("applications until"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no end date."))
    amount_rule = models.TextField(_("amount rule"), blank=True)
    no_application = models.BooleanField(
        _("granted without application (免申即享)"),
        default=False,
        help_text=_("The implementing unit confirms grants directly; enterprises do not apply."),
    )
    attachment_note = models.TextField(
        _("attachments"), blank=True, help_text=_("Attachment names or links of the published document.")
    )

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="policy_validity_order",
            ),
            models.CheckConstraint(
                condition=Q(apply_from__isnull=True)
                | Q(apply_to__isnull=True)
                | Q(apply_to__gte=models.F("apply_from")),
                name="policy_window_order",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("policies:detail", args=[self.pk])

    @property
    def implementer(self) -> Department:
        return self.implementing_department or self.issuing_department

    def is_expired(self, date: dt.date | None = None) -> bool:
        date = date or timezone.localdate()
        return self.valid_to is not None and self.valid_to < date

    def scope_check(self, user, action: str) -> Scope:
        """Called by ``core.scoping.require`` (so by ``scoped_save``): every reader reads, the city
        operator changes any policy, a department user only its own unit's; others 403."""
        scope = scope_for(user)
        if action == VIEW:
            if not scope.read:
                raise PermissionDenied
            return scope
        if action != CHANGE or not may_write_policies(scope):
            raise PermissionDenied
        if not scope.city_wide_write and self.issuing_department_id != scope.department_id:
            raise PermissionDenied
        return scope

    def clean(self):
        super().clean()
        errors = {}
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The end of validity cannot be before its start.")
        if self.apply_from and self.apply_to and self.apply_to < self.apply_from:
            errors["apply_to"] = _("The application window cannot end before it opens.")
        if errors:
            raise ValidationError(errors)


class PolicyAttachmentQuerySet(ScopedQuerySet):
    """An attachment follows its policy: every reader reads it, its policy's writers change it."""

    def for_user(self, user, action: str = VIEW):
        return self.filter(policy__in=Policy.objects.for_user(user, action))


def policy_attachment_path(instance: PolicyAttachment, filename: str) -> str:
    """Under MEDIA_ROOT, named by a random id (the original name is kept in the row only)."""
    return f"policies/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.kind}"


class PolicyAttachment(models.Model):
    """A file of a policy (the document, the application guide, forms): type detected from its
    content (``tasks.attachments.check_upload``), served only through the download view, which
    every business reader may use; uploaded and deleted by whoever may change the policy. A file
    added or removed gives its policy a new ``updated_at`` (``sync_parent``: the API lists files)."""

    sync_parent = "policy"

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=policy_attachment_path, max_length=200)
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

    objects = PolicyAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy attachment")
        verbose_name_plural = _("policy attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    def scope_check(self, user, action: str) -> Scope:
        return self.policy.scope_check(user, action)

    def get_absolute_url(self):
        return reverse("policies:attachment_download", args=[self.policy_id, self.pk])

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(AttachmentKind(self.kind), "application/octet-stream")


class PolicyConditionQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        return self.filter(policy__in=Policy.objects.for_user(user, action))


class PolicyCondition(models.Model):
    """One eligibility condition of a policy. All conditions must be met; conditions sharing a
    *group* are alternatives (one of them suffices), e.g. two counties."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="conditions")
    kind = models.CharField(_("kind"), max_length=16, choices=ConditionKind.choices)
    figure = models.CharField(
        _("figure"), max_length=40, blank=True, choices=[(f.value, f.label) for f in Figure if f.value in SQL_FIGURES]
    )
    operator = models.CharField(_("operator"), max_length=4, choices=Operator.choices, default=Operator.GTE)
    threshold = models.DecimalField(_("threshold"), max_digits=16, decimal_places=4, null=True, blank=True)
    tier = models.ForeignKey(
        Tier,
        verbose_name=_("tier held (or higher)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county = models.ForeignKey(
        Place,
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": PlaceLevel.COUNTY},
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry (GB/T 4754, with its sub-classes)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tag = models.ForeignKey(
        Tag, verbose_name=_("plan tag"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    listing_stage = models.CharField(
        _("listing stage reached"),
        max_length=16,
        blank=True,
        choices=[(s.value, s.label) for s in ListingStage if s not in (ListingStage.WITHDRAWN, ListingStage.QUOTED)],
    )
    group = models.SlugField(
        _("alternatives group"), max_length=40, blank=True, help_text=_("Conditions with the same group: one suffices.")
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = PolicyConditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("eligibility condition")
        verbose_name_plural = _("eligibility conditions")
        ordering = ["policy", "sort_order", "id"]

    def __str__(self):
        return f"{self.policy} · {self.describe()}"

    def scope_check(self, user, action: str) -> Scope:
        return self.policy.scope_check(user, action)

    def describe(self) -> str:
        """The condition in words (Chinese once translated)."""
        if self.kind == ConditionKind.FIGURE:
            return f"{self.get_figure_display()} {self.get_operator_display()} {fmt(self.threshold)}"
        if self.kind == ConditionKind.TIER:
            return str(_("Holds a valid %(tier)s title or higher")) % {"tier": self.tier}
        if self.kind == ConditionKind.COUNTY:
            return str(_("Registered in %(county)s")) % {"county": self.county}
        if self.kind == ConditionKind.INDUSTRY:
            industry = self.industry
            return str(_("Industry %(code)s %(name)s")) % {
                "code": industry.code if industry else "",
                "name": industry.name if industry else "",
            }
        if self.kind == ConditionKind.TAG:
            return str(_("Tagged %(tag)s")) % {"tag": self.tag}
        return str(_("Listing stage %(stage)s reached")) % {"stage": self.get_listing_stage_display()}

    def clean(self):
        super().clean()
        needs: dict[str, tuple[str, ...]] = {
            ConditionKind.FIGURE.value: ("figure", "threshold"),
            ConditionKind.TIER.value: ("tier",),
            ConditionKind.COUNTY.value: ("county",),
            ConditionKind.INDUSTRY.value: ("industry",),
            ConditionKind.TAG.value: ("tag",),
            ConditionKind.LISTING.value: ("listing_stage",),
        }
        required = needs.get(str(self.kind), ())
        errors = {}
        for name in required:
            if getattr(self, name) in (None, ""):
                errors[name] = _("This kind of condition needs this field.")
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------------------------------
# Precise push (精准推送): one to-do per matched enterprise
# --------------------------------------------------------------------------------------------------


def implementer_filter(department_id: int, prefix: str = "policy__") -> Q:
    """Rows of policies ``department_id`` implements (itself, or as issuer without another implementer)."""
    return Q(**{f"{prefix}implementing_department_id": department_id}) | Q(
        **{f"{prefix}implementing_department__isnull": True, f"{prefix}issuing_department_id": department_id}
    )


def is_department_user(scope: Scope) -> bool:
    return scope.department_id is not None and scope.county_id is None and not scope.write


def commissioned_by(user) -> Q:
    """Rows of enterprises whose current service commissioner (issue 14) is ``user``."""
    return Q(
        Exists(
            CommissionerAssignment.objects.filter(
                enterprise_id=OuterRef("enterprise_id"), commissioner_id=user.pk, is_current=True
            )
        )
    )


def is_commissioner_of(user, enterprise_id: int | None) -> bool:
    return bool(
        enterprise_id
        and getattr(user, "pk", None)
        and CommissionerAssignment.objects.filter(
            enterprise_id=enterprise_id, commissioner_id=user.pk, is_current=True
        ).exists()
    )


class PolicyPushQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = scope_for(user)
        if action == CHANGE and scope.department_id is not None and is_department_user(scope):
            return self.filter(implementer_filter(scope.department_id) | commissioned_by(user))
        return super().for_user(user, action)


class PolicyPush(VersionedModel):
    """A pushed policy for one enterprise: the to-do of its service commissioner, or of its county
    official when it has none. Steps: notified (date, channel) and the enterprise's intention,
    applied, granted (date, amount, which writes the support ledger). A 免申即享 policy has no
    application step: the implementing unit confirms the grant directly."""

    scope_county_field = "enterprise__county"

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="pushes")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="policy_pushes"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="policy_pushes",
    )
    pushed_on = models.DateField(_("pushed on"))
    notified_on = models.DateField(_("notified on"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    intention = models.CharField(_("intention"), max_length=16, choices=Intention.choices, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    granted_on = models.DateField(_("granted on"), null=True, blank=True)
    granted_amount = models.DecimalField(
        _("amount granted (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = PolicyPushQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy push")
        verbose_name_plural = _("policy pushes")
        ordering = ["-pushed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="one_push_per_enterprise")]

    def __str__(self):
        return f"{self.policy} → {self.enterprise}"

    def get_absolute_url(self):
        return reverse("policies:push_detail", args=[self.pk])

    @property
    def step(self) -> str:
        if self.granted_on:
            return PushStep.GRANTED
        if self.applied_on:
            return PushStep.APPLIED
        if self.notified_on:
            return PushStep.NOTIFIED
        return PushStep.PUSHED

    def scope_check(self, user, action: str) -> Scope:
        """Readers of the enterprise's county read; its county's writers (county official, the city
        operator) and its service commissioner record the steps; the implementing unit's users
        record grants (``services.record_step`` says which step is whose)."""
        scope = scope_for(user)
        county_id = self.enterprise.county_id if self.enterprise_id else None
        if action == CHANGE and is_department_user(scope):
            if self.policy_id and scope.department_id == self.policy.implementer.pk:
                return scope
            if is_commissioner_of(user, self.enterprise_id):
                return scope
            raise PermissionDenied
        if not scope.may(action):
            raise PermissionDenied
        if not scope.allows(action, county_id):
            raise Http404
        return scope

    def clean(self):
        super().clean()
        errors = {}
        today = timezone.localdate()
        for name in ("notified_on", "applied_on", "granted_on"):
            value = getattr(self, name)
            if value and value > today:
                errors[name] = _("The date cannot be in the future.")
        if self.notified_on and self.pushed_on and self.notified_on < self.pushed_on:
            errors["notified_on"] = _("The enterprise cannot be notified before the push.")
        if self.notified_on and not self.channel:
            errors["channel"] = _("State how the enterprise was notified.")
        if self.applied_on:
            if self.policy_id and self.policy.no_application:
                errors["applied_on"] = _("This policy is granted without application (免申即享).")
            elif not self.notified_on:
                errors["applied_on"] = _("Record the notification first.")
            elif self.applied_on < self.notified_on:
                errors["applied_on"] = _("The application cannot be before the notification.")
        if self.granted_on:
            if self.granted_amount is None:
                errors["granted_amount"] = _("A grant needs its amount.")
            if self.policy_id and not self.policy.no_application and not self.applied_on:
                errors["granted_on"] = _("Record the application first (only 免申即享 policies skip it).")
            elif self.applied_on and self.granted_on < self.applied_on:
                errors["granted_on"] = _("The grant cannot be before the application.")
        elif self.granted_amount is not None:
            errors["granted_on"] = _("A grant needs its date.")
        if self.granted_amount is not None and self.granted_amount <= 0:
            errors["granted_amount"] = _("The amount must be positive.")
        if errors:
            raise ValidationError(errors)


class PolicyMatchSummary(models.Model):
    """The nightly match of a policy in force against every operating enterprise
    (``services.match_all_policies``): per county, how many meet every condition, miss one, or
    lack data, as of ``as_of``. The policy list shows it (each reader her counties' part); the
    match pages compute the lists live."""

    policy = models.OneToOneField(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="summary")
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    counts = models.JSONField(_("counts"), default=dict, help_text=_("{county id: {status: count}}"))

    class Meta:
        verbose_name = _("policy match summary")
        verbose_name_plural = _("policy match summaries")

    def __str__(self):
        return f"{self.policy_id} {self.as_of}"

    def for_counties(self, county_id: int | None) -> dict[str, int]:
        """The counts of one county (None: every county), by status."""
        totals = {status: 0 for status in ("met", "missed_one", "unknown")}
        for county, by_status in (self.counts or {}).items():
            if county_id is None or str(county) == str(county_id):
                for status, n in by_status.items():
                    totals[status] = totals.get(status, 0) + n
        return totals


# --------------------------------------------------------------------------------------------------
# Support ledger (扶持台账)
# --------------------------------------------------------------------------------------------------


class SupportGrantQuerySet(ScopedQuerySet):
    def for_user(self, user, action: str = VIEW):
        scope = scope_for(user)
        if action == CHANGE and is_department_user(scope):
            return self.filter(department_id=scope.department_id)
        return super().for_user(user, action)


class SupportGrant(VersionedModel):
    """One support an enterprise received: from the library's policy or a policy named in free
    text, by a unit, of a type, an amount (万元) on a date, with batch and document."""

    scope_county_field = "enterprise__county"

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="support_grants"
    )
    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    policy_text = models.CharField(
        _("policy (outside the library)"),
        max_length=200,
        blank=True,
        help_text=_("When the policy is not in the library."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("granting unit"), on_delete=models.PROTECT, related_name="support_grants"
    )
    support_type = models.ForeignKey(
        SupportType, verbose_name=_("support type"), on_delete=models.PROTECT, related_name="grants"
    )
    amount = models.DecimalField(_("amount (10k yuan)"), max_digits=14, decimal_places=2)
    granted_on = models.DateField(_("granted on"))
    batch = models.CharField(_("batch"), max_length=100, blank=True)
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    external_id = models.CharField(
        _("id in the granting system"),
        max_length=64,
        blank=True,
        help_text=_("Set by a department's system through the API: the same id again records nothing new."),
    )
    push = models.OneToOneField(
        PolicyPush,
        verbose_name=_("from the push"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grant",
    )

    objects = SupportGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("support grant")
        verbose_name_plural = _("support grants")
        ordering = ["-granted_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="support_grant_amount_positive"),
            models.CheckConstraint(
                condition=Q(policy__isnull=False) | ~Q(policy_text=""), name="support_grant_names_its_policy"
            ),
            models.UniqueConstraint(
                fields=["department", "external_id"],
                condition=~Q(external_id=""),
                name="support_grant_external_id_unique",
                violation_error_message=_("This unit has already recorded a grant with this id."),
            ),
        ]
        indexes = [models.Index(fields=["granted_on", "department"])]

    def __str__(self):
        return f"{self.enterprise} · {self.policy or self.policy_text} · {self.amount}"

    @property
    def policy_name(self) -> str:
        return self.policy.title if self.policy is not None else self.policy_text

    def scope_check(self, user, action: str) -> Scope:
        """The granting unit's users and the city operator enter grants; readers read their county's."""
        scope = scope_for(user)
        county_id = self.enterprise.county_id if self.enterprise_id else None
        if action == CHANGE:
            if is_department_user(scope) and self.department_id == scope.department_id:
                return scope
            if not scope.city_wide_write:
                raise PermissionDenied
            return scope
        if not scope.may(action):
            raise PermissionDenied
        if not scope.allows(action, county_id):
            raise Http404
        return scope

    def clean(self):
        super().clean()
        errors = {}
        if not self.policy_id and not self.policy_text.strip():
            errors["policy_text"] = _("Choose a policy of the library or name it.")
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("The amount must be positive.")
        if self.granted_on and self.granted_on > timezone.localdate():
            errors["granted_on"] = _("The date cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class SupportIndicator(models.Model):
    """An indicator of the support ledger (reference data like the 2026 goals,
    ``fixtures/reference/101_support_indicators.yaml``): what it counts and how it is grouped are
    fields, the tier of the share's denominator a row."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=IndicatorKind.choices)
    group_by = models.CharField(
        _("grouped"), max_length=20, choices=IndicatorGroup.choices, default=IndicatorGroup.NONE
    )
    min_tier = models.ForeignKey(
        Tier,
        verbose_name=_("titles counted (this tier or higher)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    definition = models.TextField(_("definition (统计口径)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = NaturalKeyManager()

    class Meta:
        verbose_name = _("support indicator")
        verbose_name_plural = _("support indicators")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    def clean(self):
        super().clean()
        if self.kind == IndicatorKind.SHARE_SUPPORTED and self.min_tier_id is None:
            raise ValidationError({"min_tier": _("A share needs the tier of the enterprises it counts.")})


class GrantImportChange(models.Model):
    """What one committed import of a 拨付名单 (the ``ledger`` import kind) did to one support
    grant: ``created`` it (the undo deletes it) or changed its amount, type, batch or document
    (before/after kept; the undo puts the before values back)."""

    statistic_import = models.ForeignKey(
        "enterprises.StatisticImport",
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="grant_changes",
        db_constraint=False,
    )
    grant_id = models.BigIntegerField(_("grant id"), db_index=True)
    enterprise_id = models.BigIntegerField(_("enterprise id"))
    created = models.BooleanField(_("created by the import"), default=False)
    row_no = models.PositiveIntegerField(_("row number"), default=0)
    version_after = models.PositiveIntegerField(_("version after the import"), default=1)
    before_amount = models.DecimalField(_("amount before"), max_digits=14, decimal_places=2, null=True, blank=True)
    after_amount = models.DecimalField(_("amount after"), max_digits=14, decimal_places=2, null=True, blank=True)
    before_support_type_id = models.BigIntegerField(_("support type before"), null=True, blank=True)
    after_support_type_id = models.BigIntegerField(_("support type after"), null=True, blank=True)
    before_batch = models.CharField(_("batch before"), max_length=100, null=True, blank=True)
    after_batch = models.CharField(_("batch after"), max_length=100, null=True, blank=True)
    before_document_no = models.CharField(_("document number before"), max_length=100, null=True, blank=True)
    after_document_no = models.CharField(_("document number after"), max_length=100, null=True, blank=True)

    class Meta:
        verbose_name = _("grant import change")
        verbose_name_plural = _("grant import changes")
        indexes = [models.Index(fields=["statistic_import", "row_no"])]

    def __str__(self):
        return f"#{self.statistic_import_id} · {self.grant_id}"

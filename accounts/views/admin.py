"""Administration pages with separated duties (三权分立).

- System administrator: accounts (create, edit, activate/deactivate, request a password reset).
- Security administrator: roles, county/department scope, the reveal permission, second-factor reset,
  approval of password resets (two-person rule: the one-time password is shown to the approver only).
- Audit administrator: searches the audit trail (read-only; the database refuses edits anyway).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.http import AuthenticatedRequest
from core.views import ServiceFormMixin, attempt_service, call_service

from .. import services
from ..audit import (
    CHANGE_SET,
    PERSONAL_FIELDS,
    change_set_holds,
    change_set_kind,
    change_set_of,
    mask_personal,
    reveal_event,
    security_event,
    shown_object_repr,
    verify_chain,
)
from ..choices import AuditAction, ResetStatus, Role
from ..filtersets import AuditLogFilterSet, UserFilterSet
from ..forms import GrantForm, UserCreateForm, UserUpdateForm
from ..models import AuditLog, PasswordResetRequest, User
from ..services import REVEAL_PERMISSION


class RoleRequiredMixin(LoginRequiredMixin):
    """Only these roles may open the page; any other logged-in user gets 403."""

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role not in self.allowed_roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class UserListView(RoleRequiredMixin, TemplateView):
    template_name = "accounts/user_list.html"
    request: AuthenticatedRequest
    allowed_roles = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = UserFilterSet(
            self.request.GET, queryset=User.objects.select_related("county", "department").order_by("username")
        )
        qs = filterset.qs if filterset.is_valid() else User.objects.none()
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        context.update(
            filter=filterset,
            page_obj=page,
            users=page.object_list,
            is_system_admin=self.request.user.role == Role.SYSTEM_ADMIN,
            is_security_admin=self.request.user.role == Role.SECURITY_ADMIN,
        )
        return context


class _UserFormView(ServiceFormMixin, RoleRequiredMixin, FormView):
    template_name = "accounts/user_form.html"
    allowed_roles = (Role.SYSTEM_ADMIN,)

    @property
    def heading(self):
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=self.heading, cancel_url=reverse("accounts:user_list"))
        return context


class UserCreateView(_UserFormView):
    form_class = UserCreateForm

    @property
    def heading(self):
        return _("New account")

    def perform(self, form):
        return services.user_create(actor=self.request.user, user=form.save(commit=False))

    def service_succeeded(self, form, result):
        user, password = result
        return render(self.request, "accounts/one_time_password.html", {"account": user, "password": password})


class UserUpdateView(_UserFormView):
    form_class = UserUpdateForm

    @property
    def heading(self):
        return _("Edit account %(name)s") % {"name": self.account.username}

    @cached_property
    def account(self):
        return get_object_or_404(User, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.account
        return kwargs

    def perform(self, form):
        return services.user_update(actor=self.request.user, user=form.save(commit=False))

    def service_success_url(self, result):
        return reverse("accounts:user_list")


class UserResetPasswordView(RoleRequiredMixin, View):
    """The system administrator asks for a password reset; it takes effect once the security
    administrator approves it (``PasswordResetDecisionView``), who alone sees the new password."""

    http_method_names = ["post"]
    allowed_roles = (Role.SYSTEM_ADMIN,)

    def post(self, request, pk):
        account = get_object_or_404(User, pk=pk)
        done = call_service(
            request,
            lambda: services.password_reset_request(actor=request.user, user=account),
            success=_(
                "The password reset of %(name)s awaits the security administrator's approval; "
                "the new one-time password is shown to the approver."
            )
            % {"name": account.username},
        )
        if not done:
            return redirect("accounts:user_list")
        return redirect("accounts:password_reset_list")


class PasswordResetListView(RoleRequiredMixin, TemplateView):
    """Password reset requests: the system administrator follows their own, the security administrator
    approves or rejects the pending ones. No password is ever shown here."""

    template_name = "accounts/password_reset_list.html"
    request: AuthenticatedRequest
    allowed_roles = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qs = PasswordResetRequest.objects.select_related("user", "requested_by", "decided_by").order_by(
            Case(When(status=ResetStatus.PENDING, then=0), default=1), "-requested_at", "-id"
        )
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            requests=page.object_list,
            pending=ResetStatus.PENDING,
            may_decide=self.request.user.role == Role.SECURITY_ADMIN,
        )
        return context


class PasswordResetDecisionView(RoleRequiredMixin, View):
    """POST approve (the one-time password is shown to the approver, once) or reject."""

    http_method_names = ["post"]
    allowed_roles = (Role.SECURITY_ADMIN,)
    approve = True

    def post(self, request, pk):
        if self.approve:
            ran, outcome = attempt_service(
                request, lambda: services.password_reset_approve(actor=request.user, request_id=pk)
            )
            if not ran:
                return redirect("accounts:password_reset_list")
            reset, password = outcome
            response = render(
                request,
                "accounts/one_time_password.html",
                {"account": reset.user, "password": password, "back_url": reverse("accounts:password_reset_list")},
            )
            response["Cache-Control"] = "no-store"
            return response
        call_service(
            request,
            lambda: services.password_reset_reject(actor=request.user, request_id=pk),
            success=lambda reset: _("The password reset of %(name)s was rejected.") % {"name": reset.user.username},
        )
        return redirect("accounts:password_reset_list")


class GrantView(ServiceFormMixin, RoleRequiredMixin, FormView):
    template_name = "accounts/user_form.html"
    allowed_roles = (Role.SECURITY_ADMIN,)
    form_class = GrantForm

    @cached_property
    def account(self):
        return get_object_or_404(User.objects.select_related("county", "department"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.account
        kwargs["initial"] = {"may_reveal_personal_data": services.user_may_reveal(self.account)}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            heading=_("Role and permissions of %(name)s") % {"name": self.account.username},
            cancel_url=reverse("accounts:user_list"),
        )
        return context

    def perform(self, form):
        data = form.cleaned_data
        account = User.objects.get(pk=self.account.pk)  # the form mutated self.account
        return services.user_grant(
            actor=self.request.user,
            user=account,
            role=data["role"],
            county=data.get("county"),
            department=data.get("department"),
            may_reveal=data["may_reveal_personal_data"],
            unit_lead=data.get("is_unit_lead", False),
        )

    def service_success_url(self, result):
        return reverse("accounts:user_list")


class ResetOTPView(RoleRequiredMixin, View):
    http_method_names = ["post"]
    allowed_roles = (Role.SECURITY_ADMIN,)

    def post(self, request, pk):
        account = get_object_or_404(User, pk=pk)
        services.user_reset_otp(actor=request.user, user=account)
        messages.success(
            request,
            _("The second factor of %(name)s was reset; they will enrol again at the next login.")
            % {"name": account.username},
        )
        return redirect("accounts:user_list")


class AuditLogView(RoleRequiredMixin, TemplateView):
    template_name = "accounts/audit_log.html"
    allowed_roles = (Role.AUDIT_ADMIN,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = AuditLogFilterSet(self.request.GET, queryset=AuditLog.objects.order_by("-id"))
        qs = filterset.qs if filterset.is_valid() else AuditLog.objects.none()
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        for log in page.object_list:
            described = change_set_of(log)
            log.sealed_rows = described.get("rows") if described else None
            log.shown_repr = shown_object_repr(log)
        context.update(filter=filterset, page_obj=page, logs=page.object_list)
        query = self.request.GET.urlencode() or "—"
        read = _("search: %(query)s") % {"query": query}
        if self.request.GET.get("verify"):
            broken = verify_chain()
            context["chain_ok"] = broken is None
            context["chain_broken_at"] = broken
            read = (
                _("search: %(query)s; hash chain intact") % {"query": query}
                if broken is None
                else _("search: %(query)s; hash chain broken at record %(id)d") % {"query": query, "id": broken}
            )
        security_event(self.request.user, AuditAction.AUDIT_READ, read[:2000])  # the auditor is audited too
        return context


class AuditLogDetailView(RoleRequiredMixin, TemplateView):
    template_name = "accounts/audit_detail.html"
    allowed_roles = (Role.AUDIT_ADMIN,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        log = self.log
        rows = []
        before, after = log.before or {}, log.after or {}
        for key in sorted((set(before) | set(after)) - {CHANGE_SET}):
            shown_before, shown_after = before.get(key), after.get(key)
            if not self.revealed:
                shown_before, shown_after = mask_personal(key, shown_before), mask_personal(key, shown_after)
            rows.append(
                {
                    "field": key,
                    "before": shown_before,
                    "after": shown_after,
                    "changed": before.get(key) != after.get(key),
                }
            )
        log.shown_repr = log.object_repr if self.revealed else shown_object_repr(log)  # as on the list
        context.update(
            log=log,
            rows=rows,
            revealed=self.revealed,
            personal_fields=self.personal_fields,
            reveal_url=reverse("accounts:audit_reveal", args=[log.pk]),
        )
        described = change_set_of(log)
        if described is not None:
            context.update(self._change_set(log, described))
        holds = context.get("change_set_holds")
        read = (
            _("record #%(id)d")
            if holds is None
            else _("record #%(id)d; sealed records intact")
            if holds
            else _("record #%(id)d; sealed records changed")
        ) % {"id": log.pk}
        security_event(self.request.user, AuditAction.AUDIT_READ, read)
        return context

    revealed = False

    @cached_property
    def log(self) -> AuditLog:
        return get_object_or_404(AuditLog, pk=self.kwargs["pk"])

    @cached_property
    def personal_fields(self) -> list[str]:
        """The personal fields this record holds a value of (masked unless revealed)."""
        values = {**(self.log.before or {}), **(self.log.after or {})}
        return [name for name in PERSONAL_FIELDS if values.get(name)]

    def _change_set(self, log: AuditLog, described: dict) -> dict:
        """A sealed bulk write: its rows page by page, and on request whether they still hold the
        digest the seal recorded."""
        kind = change_set_kind(str(described.get("kind")))
        context = {"change_set": described, "change_set_known": kind is not None}
        if kind is None:
            return context
        set_id = int(described.get("id") or 0)
        page = Paginator(kind.rows(set_id), 100).get_page(self.request.GET.get("page"))
        context.update(
            change_page=page, changes=kind.describe(list(page.object_list), undo=log.action == AuditAction.UNDO)
        )
        if self.request.GET.get("verify"):
            context["change_set_holds"] = change_set_holds(described)
        return context


class AuditLogRevealView(AuditLogDetailView):
    """POST: the record with its personal fields in full, for an audit administrator holding the reveal
    permission (the same "查看完整信息" permission as on the enterprise pages); the reveal is recorded."""

    http_method_names = ["post"]
    revealed = True

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(REVEAL_PERMISSION):
            raise PermissionDenied
        if self.personal_fields:
            reveal_event(request.user, self.log, self.personal_fields)
        response = self.render_to_response(self.get_context_data(**kwargs))
        response["Cache-Control"] = "no-store"
        return response

"""Administration pages with separated duties (三权分立).

- System administrator: accounts (create, edit, activate/deactivate, reset password).
- Security administrator: roles, county/department scope, the reveal permission, second-factor reset.
- Audit administrator: searches the audit trail (read-only; the database refuses edits anyway).
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.http import AuthenticatedRequest
from jiangmen_portal.views import apply_service_errors

from .. import services
from ..audit import CHANGE_SET, change_set_holds, change_set_kind, change_set_of, security_event, verify_chain
from ..choices import AuditAction, Role
from ..filtersets import AuditLogFilterSet, UserFilterSet
from ..forms import GrantForm, UserCreateForm, UserUpdateForm
from ..models import AuditLog, User


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
        filterset = UserFilterSet(self.request.GET, queryset=User.objects.select_related("county", "department")
                                  .order_by("username"))
        qs = filterset.qs if filterset.is_valid() else User.objects.none()
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        context.update(filter=filterset, page_obj=page, users=page.object_list,
                       is_system_admin=self.request.user.role == Role.SYSTEM_ADMIN,
                       is_security_admin=self.request.user.role == Role.SECURITY_ADMIN)
        return context


class _UserFormView(RoleRequiredMixin, FormView):
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

    def form_valid(self, form):
        try:
            user, password = services.user_create(actor=self.request.user, user=form.save(commit=False))
        except ValidationError as error:
            apply_service_errors(form, error)
            return self.form_invalid(form)
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

    def form_valid(self, form):
        try:
            services.user_update(actor=self.request.user, user=form.save(commit=False))
        except ValidationError as error:
            apply_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("accounts:user_list")


class UserResetPasswordView(RoleRequiredMixin, View):
    http_method_names = ["post"]
    allowed_roles = (Role.SYSTEM_ADMIN,)

    def post(self, request, pk):
        account = get_object_or_404(User, pk=pk)
        password = services.user_reset_password(actor=request.user, user=account)
        return render(request, "accounts/one_time_password.html", {"account": account, "password": password})


class GrantView(RoleRequiredMixin, FormView):
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
        context.update(heading=_("Role and permissions of %(name)s") % {"name": self.account.username},
                       cancel_url=reverse("accounts:user_list"))
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        account = User.objects.get(pk=self.account.pk)  # the form mutated self.account
        try:
            services.user_grant(actor=self.request.user, user=account, role=data["role"], county=data.get("county"),
                                department=data.get("department"), may_reveal=data["may_reveal_personal_data"])
        except ValidationError as error:
            apply_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("accounts:user_list")


class ResetOTPView(RoleRequiredMixin, View):
    http_method_names = ["post"]
    allowed_roles = (Role.SECURITY_ADMIN,)

    def post(self, request, pk):
        account = get_object_or_404(User, pk=pk)
        services.user_reset_otp(actor=request.user, user=account)
        messages.success(request, _("The second factor of %(name)s was reset; they will enrol again at the next "
                                    "login.") % {"name": account.username})
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
        context.update(filter=filterset, page_obj=page, logs=page.object_list)
        query = self.request.GET.urlencode() or "—"
        read = _("search: %(query)s") % {"query": query}
        if self.request.GET.get("verify"):
            broken = verify_chain()
            context["chain_ok"] = broken is None
            context["chain_broken_at"] = broken
            read = (_("search: %(query)s; hash chain intact") % {"query": query} if broken is None else
                    _("search: %(query)s; hash chain broken at record %(id)d") % {"query": query, "id": broken})
        security_event(self.request.user, AuditAction.AUDIT_READ, read[:2000])  # the auditor is audited too
        return context


class AuditLogDetailView(RoleRequiredMixin, TemplateView):
    template_name = "accounts/audit_detail.html"
    allowed_roles = (Role.AUDIT_ADMIN,)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        log = get_object_or_404(AuditLog, pk=self.kwargs["pk"])
        rows = []
        before, after = log.before or {}, log.after or {}
        for key in sorted((set(before) | set(after)) - {CHANGE_SET}):
            rows.append({"field": key, "before": before.get(key), "after": after.get(key),
                         "changed": before.get(key) != after.get(key)})
        context.update(log=log, rows=rows)
        described = change_set_of(log)
        if described is not None:
            context.update(self._change_set(log, described))
        holds = context.get("change_set_holds")
        read = (_("record #%(id)d") if holds is None else _("record #%(id)d; sealed records intact") if holds
                else _("record #%(id)d; sealed records changed")) % {"id": log.pk}
        security_event(self.request.user, AuditAction.AUDIT_READ, read)
        return context

    def _change_set(self, log: AuditLog, described: dict) -> dict:
        """A sealed bulk write: its rows page by page, and on request whether they still hold the
        digest the seal recorded."""
        kind = change_set_kind(str(described.get("kind")))
        context = {"change_set": described, "change_set_known": kind is not None}
        if kind is None:
            return context
        set_id = int(described.get("id") or 0)
        page = Paginator(kind.rows(set_id), 100).get_page(self.request.GET.get("page"))
        context.update(change_page=page, changes=kind.describe(list(page.object_list),
                                                               undo=log.action == AuditAction.UNDO))
        if self.request.GET.get("verify"):
            context["change_set_holds"] = change_set_holds(described)
        return context

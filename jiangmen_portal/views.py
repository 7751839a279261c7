"""Shared view helpers and the home page."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.scoping import VIEW, scope_for


def apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, at the field where it belongs."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


class ScopedObjectMixin(LoginRequiredMixin):
    """Fetch objects only through ``Model.objects.for_user(user, action)``: outside the user's
    county the answer is 404; a role without the action at all gets 403."""

    scoped_action = VIEW
    request: HttpRequest

    def scoped_queryset(self, model, action: str | None = None):
        action = action or self.scoped_action
        if not scope_for(self.request.user).may(action):
            raise PermissionDenied
        return model.objects.for_user(self.request.user, action)

    def scoped_get(self, model, action: str | None = None, **lookup):
        return get_object_or_404(self.scoped_queryset(model, action), **lookup)


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    # (url name, icon, title, text, needs business read access)
    CARDS = [
        ("enterprises:list", "bi-building", _("Enterprises"), _("Enterprise records, titles and statistics."), True),
        ("enterprises:ladder", "bi-bar-chart-steps", _("Tier ladder"), _("Enterprises per tier and county."), True),
        ("enterprises:dynamics_calendar", "bi-calendar-check", _("Expiry and review"),
         _("Titles expiring, reviews, revocations and missed data updates."), True),
        ("enterprises:dynamics_reserve", "bi-people", _("Reserve pool"),
         _("Enterprises ready for the next rung, with their pre-check."), True),
        ("enterprises:import_list", "bi-file-earmark-arrow-up", _("Statistics imports"),
         _("Upload the quarterly statistics workbook."), True),
        ("targets:dashboard", "bi-speedometer2", _("Goals dashboard"), _("Progress towards the 2026 goals."), True),
        ("tasks:matrix", "bi-grid-3x3", _("Responsibility matrix"), _("Key tasks and progress reports."), True),
        ("reports:index", "bi-file-earmark-spreadsheet", _("Quarterly report"),
         _("The quarterly report workbook and list exports."), True),
        ("accounts:audit_log", "bi-journal-text", _("Audit log"), _("Who did what, and when."), False),
        ("accounts:user_list", "bi-people", _("Users"), _("Accounts and roles."), False),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scope = scope_for(self.request.user)
        cards = []
        for name, icon, title, text, business in self.CARDS:
            if business and not scope.read:
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            if not business and not self._may_open_admin_page(name):
                continue
            cards.append({"url": url, "icon": icon, "title": title, "text": text})
        context["cards"] = cards
        return context

    def _may_open_admin_page(self, name: str) -> bool:
        from accounts.choices import Role

        role = getattr(self.request.user, "role", None)
        if name == "accounts:audit_log":
            return role == Role.AUDIT_ADMIN
        return role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


def permission_denied(request, exception=None):
    """``handler403``: the 403 page, and a security event in the audit trail."""
    from django.shortcuts import render

    from accounts.audit import permission_denied_event

    permission_denied_event(request)
    return render(request, "403.html", status=403)


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: a form post whose CSRF check failed is refused like any 403 (and
    audited, with Django's reason), with a page that says what to do."""
    from django.shortcuts import render

    from accounts.audit import permission_denied_event

    permission_denied_event(request, reason=f"CSRF: {reason}")
    return render(request, "403_csrf.html", status=403)

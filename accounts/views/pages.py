"""The home page and the 403 pages (the portal's own pages, by role)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.http import AuthenticatedRequest
from core.scoping import scope_for
from core.signals import request_denied
from core.workbench import collect


class HomeView(LoginRequiredMixin, TemplateView):
    request: AuthenticatedRequest
    template_name = "home.html"

    # (url name, icon, title, text, needs business read access)
    CARDS = [
        ("enterprises:list", "bi-building", _("Enterprises"), _("Enterprise records, titles and statistics."), True),
        ("enterprises:ladder", "bi-bar-chart-steps", _("Tier ladder"), _("Enterprises per tier and county."), True),
        (
            "enterprises:dynamics_calendar",
            "bi-calendar-check",
            _("Expiry and review"),
            _("Titles expiring, reviews, revocations and missed data updates."),
            True,
        ),
        (
            "enterprises:dynamics_reserve",
            "bi-people",
            _("Reserve pool"),
            _("Enterprises ready for the next rung, with their pre-check."),
            True,
        ),
        (
            "enterprises:import_list",
            "bi-file-earmark-arrow-up",
            _("Statistics imports"),
            _("Upload the quarterly statistics workbook."),
            True,
        ),
        ("targets:dashboard", "bi-speedometer2", _("Goals dashboard"), _("Progress towards the 2026 goals."), True),
        ("tasks:matrix", "bi-grid-3x3", _("Responsibility matrix"), _("Key tasks and progress reports."), True),
        (
            "reports:index",
            "bi-file-earmark-spreadsheet",
            _("Quarterly report"),
            _("The quarterly report workbook and list exports."),
            True,
        ),
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
        # The workbench: each app contributes through its AppConfig.workbench module (core.workbench).
        today = timezone.localdate()
        user = self.request.user
        context["todos"] = collect("todos", user, today) if scope.write or scope.reporting_unit else []
        context["figures"] = collect("figures", user, today) if scope.read else []
        context["activity"] = collect("activity", user, settings.PORTAL_WORKBENCH_ACTIVITY)[
            : settings.PORTAL_WORKBENCH_ACTIVITY
        ]
        context["workbench"] = scope.read
        return context

    def _may_open_admin_page(self, name: str) -> bool:
        role = self.request.user.role
        if name == "accounts:audit_log":
            return role == Role.AUDIT_ADMIN
        return role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


MIN_QUERY = 2  # characters: one Chinese character matches too much of the city


class SearchView(LoginRequiredMixin, TemplateView):
    """The header search: enterprises (name, credit code, stock code; scoped like the list), key
    tasks and goal indicators by name. Each app answers through its ``workbench.search``."""

    request: AuthenticatedRequest
    template_name = "accounts/search.html"

    def get_context_data(self, **kwargs):
        if not scope_for(self.request.user).read:
            raise PermissionDenied
        context = super().get_context_data(**kwargs)
        query = " ".join(self.request.GET.get("q", "").replace("\x00", "").split())[:100]
        hits = []
        if len(query) >= MIN_QUERY:
            hits = collect("search", self.request.user, query, settings.PORTAL_SEARCH_LIMIT)
        groups: dict[str, list] = {}
        for hit in hits:
            groups.setdefault(hit.group, []).append(hit)
        context.update(query=query, groups=groups, too_short=0 < len(query) < MIN_QUERY, min_query=MIN_QUERY)
        return context


def permission_denied(request, exception=None):
    """``handler403``: the 403 page, and a security event in the audit trail."""
    request_denied.send(sender=permission_denied, request=request, reason="")
    return render(request, "403.html", status=403)


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: a form post whose CSRF check failed is refused like any 403 (and
    audited, with Django's reason), with a page that says what to do."""
    request_denied.send(sender=csrf_failure, request=request, reason=f"CSRF: {reason}")
    return render(request, "403_csrf.html", status=403)

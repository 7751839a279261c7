"""Reveal a masked personal field in full: a permission of its own, county-scoped, and logged."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View

from accounts.audit import reveal_event
from accounts.scoping import VIEW, scope_for
from accounts.services import REVEAL_PERMISSION


class RevealEnterpriseContactView(LoginRequiredMixin, View):
    """POST → ``{"contact_person": …, "contact_phone": …}`` for one enterprise in the user's scope."""

    http_method_names = ["post"]
    fields = ("contact_person", "contact_phone")

    def post(self, request, pk):
        from enterprises.models import Enterprise

        if not (request.user.has_perm(REVEAL_PERMISSION) and scope_for(request.user).may(VIEW)):
            raise PermissionDenied
        enterprise = get_object_or_404(Enterprise.objects.for_user(request.user, VIEW), pk=pk)
        reveal_event(request.user, enterprise, self.fields)
        response = JsonResponse({name: getattr(enterprise, name) for name in self.fields})
        response["Cache-Control"] = "no-store"
        return response

"""Reveal a masked personal field in full: a permission of its own, county-scoped, and logged.

The app that owns a model with personal fields registers it (``register_revealable`` in its
``AppConfig.ready``), so this view imports no business app.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View

from accounts.audit import reveal_event
from accounts.services import REVEAL_PERMISSION
from core.scoping import VIEW, scope_for

# kind (the URL's word, e.g. "enterprise") -> (model, the personal fields it reveals)
_revealable: dict[str, tuple[type, tuple[str, ...]]] = {}


def register_revealable(kind: str, model: type, fields: tuple[str, ...]) -> None:
    _revealable[kind] = (model, tuple(fields))


class RevealContactView(LoginRequiredMixin, View):
    """POST → the registered personal fields (e.g. ``{"contact_person": …, "contact_phone": …}``)
    of one row of ``kind`` in the user's scope."""

    http_method_names = ["post"]
    kind = ""

    def post(self, request, pk):
        if self.kind not in _revealable:  # pragma: no cover - a URL without a registered model
            raise Http404
        model, fields = _revealable[self.kind]
        if not (request.user.has_perm(REVEAL_PERMISSION) and scope_for(request.user).may(VIEW)):
            raise PermissionDenied
        row = get_object_or_404(model.objects.for_user(request.user, VIEW), pk=pk)  # type: ignore[attr-defined]
        reveal_event(request.user, row, fields)
        response = JsonResponse({name: getattr(row, name) for name in fields})
        response["Cache-Control"] = "no-store"
        return response

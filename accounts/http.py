"""Request type of the views behind a login (for the type checker)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose user is logged in: views behind ``LoginRequiredMixin`` declare
    ``request: AuthenticatedRequest`` so ``request.user`` is our ``User``, not ``AnonymousUser``."""

    user: User

"""Signals the shared core sends; apps connect to them (the core imports no app)."""

from django.dispatch import Signal

# A request was refused with 403 (web ``handler403``, a failed CSRF check, the API's exception
# handler). Arguments: ``request``, ``reason`` (may be ""). ``accounts`` records it in the audit trail.
request_denied = Signal()

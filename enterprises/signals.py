"""Signals sent by the enterprises app.

``statistics_changed(sender, import_id)``: statistics were written in bulk (an import committed or
undone). Sent after the transaction commits; the dashboards recompute on it.
"""

from django.dispatch import Signal

statistics_changed = Signal()

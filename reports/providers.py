"""Plain rows (lists of dicts) for the sheets whose data belong to other apps.

The report builders take plain rows and know nothing about those apps. A provider returns ``None``
when the data source is not installed yet; the sheet then says 数据尚未提供 and the report still
builds. Only a missing module or function is tolerated: an error inside a present data source
fails the report job with its message, it is never hidden.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

from .selectors import ReportScope

GOAL_KEYS = ("code", "name", "unit", "baseline", "value", "target", "share_done", "share_time", "status",
             "status_label")


def _optional(module_name: str, function_name: str) -> Callable | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, function_name, None)


def _get(row, key, default=None):
    if isinstance(row, dict):
        return row.get(key, default)
    return getattr(row, key, default)


def normalise_goal_row(row) -> dict:
    """A dashboard row (dict or object) as the goals sheet expects it. ``now`` and ``value`` are
    accepted for the current figure; shares are fractions (0.5 = 50 %)."""
    out = {key: _get(row, key) for key in GOAL_KEYS}
    if out["value"] is None:
        out["value"] = _get(row, "now")
    status = out["status"]
    if status is not None and hasattr(status, "value"):  # an enum or a choices member
        out["status"] = str(status.value)
        out["status_label"] = out["status_label"] or getattr(status, "label", None)
    if not out["status_label"] and status is not None:
        out["status_label"] = _get(row, "get_status_display", None) or out["status"]
    if callable(out["status_label"]):
        out["status_label"] = out["status_label"]()
    for key in ("code", "name", "unit", "status_label"):
        if out[key] is not None:
            out[key] = str(out[key])
    return out


def goal_rows(scope: ReportScope) -> list[dict] | None:
    """Per indicator: code, name, unit, baseline, value, target, share_done, share_time, status —
    exactly what the goals dashboard shows for the same date and scope
    (``targets.selectors.dashboard_rows(date, county=None)``)."""
    dashboard_rows = _optional("targets.selectors", "dashboard_rows")
    if dashboard_rows is None:
        return None
    return [normalise_goal_row(row) for row in dashboard_rows(scope.as_of, county=scope.county)]


def county_rows(scope: ReportScope) -> list[dict] | None:
    """Each indicator per county (the dashboard filtered to one county, for every county in scope)."""
    dashboard_rows = _optional("targets.selectors", "dashboard_rows")
    if dashboard_rows is None:
        return None
    rows = []
    for county in scope.counties():
        for row in dashboard_rows(scope.as_of, county=county):
            rows.append({"county": county.name, "county_code": county.code, **normalise_goal_row(row)})
    return rows


def task_rows(scope: ReportScope) -> list[dict] | None:
    """Key tasks with each unit's report for the quarter. Not wired yet (the responsibility matrix
    is being built in parallel): the lead connects it after merging. Expected keys per row:
    ``task_code``, ``task_name``, ``unit`` (department or county name), ``is_lead`` (bool),
    ``status`` (code), ``status_label``, ``progress`` (fraction or None), ``text``, ``submitted_at``."""
    return None


def import_rows(scope: ReportScope) -> list[dict] | None:
    """Statistics imports of the quarter. Not wired yet (imports are built in parallel). Expected
    keys: ``started_at``, ``file_name``, ``user``, ``county``, ``status`` (code), ``status_label``,
    ``rows_total``, ``rows_created``, ``rows_updated``, ``rows_failed``, ``message``."""
    return None

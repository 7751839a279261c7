"""Providers turn other apps' rows into the plain rows the builders take."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from reports.providers import normalise_goal_row


class Status(models.TextChoices):
    BEHIND = "behind", "滞后"


class Row:
    code, name, unit = "G01", "小巨人", "家"
    baseline, now, target = 24, 30, 48
    share_done, share_time = Decimal("0.25"), Decimal("0.9")
    status = Status.BEHIND


def test_object_rows_with_enum_status_and_now_are_normalised():
    row = normalise_goal_row(Row())
    assert row["value"] == 30 and row["status"] == "behind" and row["status_label"] == "滞后"
    assert row["share_done"] == Decimal("0.25")


def test_dict_rows_keep_value_and_fall_back_to_status_code_as_label():
    row = normalise_goal_row(
        {"code": "G02", "name": "省级", "unit": "家", "value": 1300, "now": 1, "status": "on_track"}
    )
    assert row["value"] == 1300 and row["status_label"] == "on_track" and row["baseline"] is None

"""Working days on the Chinese calendar: public holidays and 调休 make-up working days from
``chinesecalendar`` (the State Council's yearly schedule), corrected by ``CalendarOverride`` rows
(local changes, or a year the library does not know yet: then Monday to Friday are working days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import chinese_calendar

from .models import CalendarOverride


class WorkCalendar:
    """Answers ``is_workday`` for dates; the overrides are read once (one query) per instance."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        if overrides is None:
            overrides = dict(CalendarOverride.objects.values_list("date", "is_workday"))
        self.overrides = overrides

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # a year the library's schedule does not cover
            return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count: received on
        a Friday, 1 working day means the next working day)."""
        day = start
        remaining = days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count

    def workdays(self, days: Iterable[dt.date]) -> list[dt.date]:
        return [d for d in days if self.is_workday(d)]

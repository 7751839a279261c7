"""Small factories for tests: plain functions, explicit arguments, valid data by default."""

from __future__ import annotations

import datetime as dt
import itertools

from accounts.choices import Role
from accounts.models import Department, Place, User
from enterprises.identifiers import make_credit_code
from enterprises.models import Enterprise, Statistic, Tier, Title, add_years

_serial = itertools.count(1)

PASSWORD = "Test-Passw0rd!"


def county(code: str) -> Place:
    return Place.objects.get(code=code)


def make_user(
    role: str = Role.CITY_OPERATOR,
    *,
    county_code: str | None = None,
    department_code: str | None = None,
    username: str | None = None,
    **extra,
) -> User:
    n = next(_serial)
    user = User(
        username=username or f"{role}-{n}",
        role=role,
        county=Place.objects.get(code=county_code) if county_code else None,
        department=Department.objects.get(code=department_code) if department_code else None,
        must_change_password=False,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_enterprise(county_code: str = "440781", **fields) -> Enterprise:
    n = next(_serial)
    place = Place.objects.get(code=county_code)
    defaults = {
        "credit_code": make_credit_code(county_code, 10_000 + n),
        "name": f"测试企业{n}有限公司",
        "county": place,
    }
    defaults.update(fields)
    return Enterprise.objects.create(**defaults)


def make_title(enterprise: Enterprise, tier_code: str, recognised_on: dt.date, **fields) -> Title:
    tier = Tier.objects.get(code=tier_code)
    fields.setdefault("valid_until", add_years(recognised_on, tier.validity_years))
    return Title.objects.create(enterprise=enterprise, tier=tier, recognised_on=recognised_on, **fields)


def make_statistic(enterprise: Enterprise, year: int, quarter: int, **figures) -> Statistic:
    return Statistic.objects.create(enterprise=enterprise, year=year, quarter=quarter, **figures)


# -- dynamic management (issue 8) ------------------------------------------------------------------


def make_annual(enterprise: Enterprise, year: int, **figures) -> Statistic:
    """The annual statistics of ``year`` (fourth quarter, year-to-date totals)."""
    return make_statistic(enterprise, year, 4, **figures)


def make_rd_institution(enterprise: Enterprise, level_code: str = "municipal-etrc", year: int = 2020):
    from enterprises.models import RDInstitution, RDInstitutionLevel

    return RDInstitution.objects.create(
        enterprise=enterprise,
        level=RDInstitutionLevel.objects.get(code=level_code),
        name=f"{enterprise.name}研发中心",
        recognised_year=year,
    )


def make_statistics_workbook(
    rows: list[list], *, headers: list[str] | None = None, path=None, with_template: bool = True
) -> bytes:
    """An .xlsx like the statistics template: ``rows`` under the template's header row (or ``headers``)."""
    import io

    from openpyxl import Workbook, load_workbook

    from enterprises.imports.columns import COLUMNS, DATA_SHEET, template_header
    from enterprises.imports.template import build_template

    if with_template and headers is None:
        wb = load_workbook(io.BytesIO(build_template()))
        ws = wb[DATA_SHEET]
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = DATA_SHEET
        ws.append(headers if headers is not None else [template_header(c) for c in COLUMNS])
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        with open(path, "wb") as fh:
            fh.write(data)
    return data


def statistics_row(enterprise, period: str = "2024Q1", **figures) -> list:
    """One row in template column order (figures by field name; others empty)."""
    from enterprises.imports.columns import COLUMNS

    values = {
        "credit_code": enterprise.credit_code if enterprise is not None else "",
        "name": getattr(enterprise, "name", ""),
        "period": period,
        **figures,
    }
    return [values.get(c.field) for c in COLUMNS]


def make_report(
    task_code: str, period_code: str, *, department_code: str | None = None, county_code: str | None = None, **fields
):
    """A progress report written straight to the table (tests of reads; writes go through services)."""
    from tasks.models import KeyTask, ProgressReport, ReportingPeriod

    task = KeyTask.objects.get(code=task_code)
    department = Department.objects.get(code=department_code) if department_code else None
    fields.setdefault("kind", "consolidated" if department and task.lead_department_id == department.pk else "unit")
    return ProgressReport.objects.create(
        task=task,
        period=ReportingPeriod.objects.get(code=period_code),
        department=department,
        county=Place.objects.get(code=county_code) if county_code else None,
        **fields,
    )


_snapshot_days = itertools.count()


def make_snapshot_value(county_code: str | None, *, as_of=None, indicator_code: str | None = None, **fields):
    """A stored progress value (city when ``county_code`` is None) in the snapshot of ``as_of`` (made if
    missing; default: a new date for every call), written straight to the table (tests of reads)."""
    from targets.models import Indicator, Plan, Snapshot, SnapshotValue

    indicator = (
        Indicator.objects.get(code=indicator_code)
        if indicator_code
        else Indicator.objects.order_by("sort_order", "code").first()
    )
    as_of = as_of or dt.date(2024, 1, 1) + dt.timedelta(days=next(_snapshot_days))
    snapshot, _ = Snapshot.objects.get_or_create(plan=Plan.objects.get(pk=indicator.plan_id), as_of=as_of)
    fields.setdefault("value", 10)
    fields.setdefault("share_time", "0.5")
    fields.setdefault("status", "on_track")
    return SnapshotValue.objects.create(
        snapshot=snapshot,
        indicator=indicator,
        county=Place.objects.get(code=county_code) if county_code else None,
        **fields,
    )


def make_statistic_import(county_code: str | None, **fields):
    """A finished statistics import row written straight to the table (tests of reads)."""
    from django.utils import timezone

    from enterprises.models import StatisticImport

    uploader = make_user(Role.COUNTY_OFFICIAL, county_code=county_code) if county_code else make_user()
    fields.setdefault("state", "checked")
    fields.setdefault("status", "succeeded")
    fields.setdefault("progress", 100)
    return StatisticImport.objects.create(
        requested_by=uploader,
        county=Place.objects.get(code=county_code) if county_code else None,
        file="imports/statistics/x.xlsx",
        file_name="统计数据.xlsx",
        checksum="0" * 64,
        row_count=3,
        new_count=2,
        changed_count=1,
        periods=["2024Q1"],
        finished_at=timezone.now(),
        **fields,
    )


__all__ = [
    "PASSWORD",
    "county",
    "make_annual",
    "make_credit_code",
    "make_enterprise",
    "make_rd_institution",
    "make_report",
    "make_snapshot_value",
    "make_statistic_import",
    "make_statistic",
    "make_statistics_workbook",
    "make_title",
    "make_user",
    "statistics_row",
]

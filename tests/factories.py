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


def make_user(role: str = Role.CITY_OPERATOR, *, county_code: str | None = None, department_code: str | None = None,
              username: str | None = None, **extra) -> User:
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
    defaults = {"credit_code": make_credit_code(county_code, 10_000 + n), "name": f"测试企业{n}有限公司", "county": place}
    defaults.update(fields)
    return Enterprise.objects.create(**defaults)


def make_title(enterprise: Enterprise, tier_code: str, recognised_on: dt.date, **fields) -> Title:
    tier = Tier.objects.get(code=tier_code)
    fields.setdefault("valid_until", add_years(recognised_on, tier.validity_years))
    return Title.objects.create(enterprise=enterprise, tier=tier, recognised_on=recognised_on, **fields)


def make_statistic(enterprise: Enterprise, year: int, quarter: int, **figures) -> Statistic:
    return Statistic.objects.create(enterprise=enterprise, year=year, quarter=quarter, **figures)


def make_report(task_code: str, period_code: str, *, department_code: str | None = None,
                county_code: str | None = None, **fields):
    """A progress report written straight to the table (tests of reads; writes go through services)."""
    from tasks.models import KeyTask, ProgressReport, ReportingPeriod

    task = KeyTask.objects.get(code=task_code)
    department = Department.objects.get(code=department_code) if department_code else None
    fields.setdefault("kind", "consolidated" if department and task.lead_department_id == department.pk else "unit")
    return ProgressReport.objects.create(
        task=task, period=ReportingPeriod.objects.get(code=period_code), department=department,
        county=Place.objects.get(code=county_code) if county_code else None, **fields,
    )

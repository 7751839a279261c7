"""No 500 on bad input: every filter parameter of every list (web pages, exports, API) gets hostile
values (NUL bytes, 10,000 characters, wrong types, dates and time-zone offsets out of range) and
must answer below 500: a form error on a page, a Chinese 400 on the API.

Nothing is hand-listed. Every URL pattern without arguments is requested once as each kind of
user while ``FilterSet.__init__`` and the reads of the query string are watched: the FilterSets a
view builds and the query parameters it reads (``?period=``, ``?tier=``, ``page``, …) are its
parameters (with the API's ``page``, ``page_size`` and ``ordering``). The run must find the known
lists, so a broken discovery fails too. CI runs this file on PostgreSQL, whose errors (a time-zone offset
beyond ±15:59, a NUL in a string literal, a non-address compared with an ``inet`` column) were
the 500s this guards against.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import django_filters
import pytest
from django.db import transaction
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.choices import Role
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "440781\x00",
    "x" * 10_000,
    "-1",
    "1.5",
    "1e400",
    "99999999999999999999999",
    "NaN",
    "abc",
    "2024-13-45",
    "0001-01-01",
    "9999-12-31",
    "2024-01-01T00:00:00+16:00",
    "2024-01-01T00:00:00-23:59",
    "2024-01-01T00:00:00+15:59",
    "9999-12-31T23:59:59-15:00",
    "0001-01-01T00:00:00+15:00",
    "' OR 1=1 --",
    "🙂",
    "::1",
]
API_PARAMETERS = ("page", "page_size", "ordering", "format")
IGNORED = {"csrfmiddlewaretoken"}
PRINCIPALS = (Role.CITY_OPERATOR, Role.COUNTY_OFFICIAL, Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
# The lists the discovery must find (a sanity check on the discovery, not the list of what is tested).
MUST_FIND = {
    "/enterprises/",
    "/reports/titles/",
    "/reports/statistics/",
    "/accounts/users/",
    "/accounts/audit/",
    "/api/v1/enterprises/",
    "/api/v1/titles/",
    "/api/v1/statistics/",
    "/api/v1/rd-institutions/",
    "/enterprises/listings/",
    "/api/v1/listing-pipeline/",
    "/api/v1/listing-records/",
    "/api/v1/statistics-imports/",
    "/api/v1/progress-reports/",
    "/api/v1/places/",
    "/api/v1/indicators/",
    "/api/v1/progress/",
    "/api/v1/tasks/",
    "/api/v1/departments/",
    "/tasks/",
    "/enterprises/dynamics/reserve/",
}


def _argument_free_paths(resolver=None, prefix: str = "") -> list[str]:
    """Every URL pattern that takes no argument, as a path (regex routes of the API router too)."""
    resolver = resolver or get_resolver()
    out = []
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            out += _argument_free_paths(pattern, prefix + route.lstrip("^"))
        elif isinstance(pattern, URLPattern):
            full = prefix + route
            path = full.replace("^", "").replace("$", "")
            if pattern.pattern.regex.groups or "<" in path or "(" in path or "\\" in path or "?" in path:
                continue
            out.append("/" + path)
    return out


def _filter_parameters(filterset_class) -> set[str]:
    return set(filterset_class.base_filters)


def _watched_get(client, path):
    """GET ``path``; returns the response, the FilterSet classes the view built and the names of
    the query parameters it read."""
    built: list[type] = []
    read: set[str] = set()
    init, get, getlist = django_filters.FilterSet.__init__, QueryDict.get, QueryDict.getlist

    def spy_init(self, *args, **kwargs):
        built.append(type(self))
        init(self, *args, **kwargs)

    def spy_get(self, key, *args, **kwargs):
        read.add(key)
        return get(self, key, *args, **kwargs)

    def spy_getlist(self, key, *args, **kwargs):
        read.add(key)
        return getlist(self, key, *args, **kwargs)

    with (
        mock.patch.object(django_filters.FilterSet, "__init__", spy_init),
        mock.patch.object(QueryDict, "get", spy_get),
        mock.patch.object(QueryDict, "getlist", spy_getlist),
    ):
        response = client.get(path)
    return response, built, read - IGNORED


@pytest.fixture
def world(db):
    """A row of each kind, so that valid-looking values reach real queries."""
    enterprise = factories.make_enterprise("440781")
    factories.make_title(enterprise, "provincial", dt.date(2024, 6, 1))
    factories.make_statistic(enterprise, 2025, 1)
    users = {
        role: factories.make_user(
            role,
            county_code="440781" if role == Role.COUNTY_OFFICIAL else None,
            department_code="miit" if role == Role.CITY_OPERATOR else None,
            username=f"hostile-{role}",
        )
        for role in PRINCIPALS
    }
    return users


def discover(client, users) -> dict[str, tuple[object, set[str]]]:
    """``{path: (user, parameters)}`` for every argument-free GET route that builds a FilterSet."""
    found: dict[str, tuple[object, set[str]]] = {}
    for path in _argument_free_paths():
        for role in PRINCIPALS:
            client.force_login(users[role])
            response, built, read = _watched_get(client, path)
            if response.status_code == 200 and (built or read):
                parameters = set().union(read, *(_filter_parameters(cls) for cls in built))
                if path.startswith("/api/"):
                    parameters |= set(API_PARAMETERS)
                found[path] = (users[role], parameters)
                break
    return found


def test_every_filter_parameter_of_every_list_survives_hostile_values(client, world):
    found = discover(client, world)
    client.raise_request_exception = False  # a 500 is counted, not raised
    assert MUST_FIND <= set(found), f"discovery missed: {sorted(MUST_FIND - set(found))}"
    failures = []
    for path, (user, parameters) in sorted(found.items()):
        client.force_login(user)
        for name in sorted(parameters):
            for value in HOSTILE:
                savepoint = transaction.savepoint()  # PostgreSQL: an error must not poison the next request
                response = client.get(path, {name: value})
                if response.status_code < 500:
                    transaction.savepoint_commit(savepoint)
                    continue
                transaction.savepoint_rollback(savepoint)
                failures.append(f"{path}?{name}={value[:40]!r}: {response.status_code}")
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:60])


#: The export buttons (POST, the list's query in the URL) and the list whose filters they take.
EXPORTS = {
    "/reports/export/enterprises/": "/enterprises/",
    "/reports/titles/export/": "/reports/titles/",
    "/reports/statistics/export/": "/reports/statistics/",
}


def test_every_export_survives_hostile_values_of_its_lists_filters(
    client, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Each export gets every hostile value of every parameter of its list: no 5xx when it is
    asked for, and the job it records (run here, eagerly) ends without a traceback."""
    from urllib.parse import urlencode

    from reports.models import ListExportJob

    settings.MEDIA_ROOT = tmp_path
    client.force_login(world[Role.CITY_OPERATOR])
    client.raise_request_exception = False
    failures = []
    for export, listing in EXPORTS.items():
        response, built, read = _watched_get(client, listing)  # the list's parameters, found as discover() does
        assert response.status_code == 200 and built, listing
        parameters = set().union(read, *(_filter_parameters(cls) for cls in built))
        for name in sorted(parameters):
            for value in HOSTILE:
                savepoint = transaction.savepoint()
                with django_capture_on_commit_callbacks(execute=True):
                    response = client.post(f"{export}?{urlencode({name: value})}")
                if response.status_code < 500:
                    transaction.savepoint_commit(savepoint)
                    continue
                transaction.savepoint_rollback(savepoint)
                failures.append(f"POST {export}?{name}={value[:40]!r}: {response.status_code}")
    broken = list(ListExportJob.objects.exclude(error="").values_list("params", "message")[:20])
    assert ListExportJob.objects.filter(status="succeeded").exists()  # valid-looking values made files
    assert not failures and not broken, (failures[:60], broken)


@pytest.mark.parametrize("path", ["/api/v1/enterprises/", "/api/v1/statistics-imports/"])
def test_api_reads_any_rfc3339_offset_in_utc_and_refuses_an_out_of_range_time(client, world, path):
    """An offset beyond PostgreSQL's ±15:59 (RFC 3339 allows ±23:59) is converted to UTC first; a time
    whose UTC value leaves years 1-9999 is a Chinese 400."""
    from enterprises.models import Enterprise, StatisticImport

    client.force_login(world[Role.CITY_OPERATOR])
    name = "created_since" if "imports" in path else "updated_since"
    if "imports" in path:
        factories.make_statistic_import("440781")
    row = (StatisticImport if "imports" in path else Enterprise).objects.get()
    stamp = row.created_at if "imports" in path else row.updated_at
    just_before = (stamp - dt.timedelta(seconds=1)).astimezone(dt.timezone(dt.timedelta(hours=16, minutes=30)))
    just_after = (stamp + dt.timedelta(seconds=1)).astimezone(dt.timezone(-dt.timedelta(hours=23, minutes=59)))
    assert client.get(path, {name: just_before.isoformat()}).json()["count"] == 1
    assert client.get(path, {name: just_after.isoformat()}).json()["count"] == 0
    for value in ("9999-12-31T23:59:59-15:00", "0001-01-01T00:00:00+15:00"):
        response = client.get(path, {name: value})
        assert response.status_code == 400
        body = response.json()
        assert body["errors"][name] == ["日期时间超出范围（须在公元 1 年至 9999 年之间）。"]
        assert body["detail"] == f"{name}：日期时间超出范围（须在公元 1 年至 9999 年之间）。"


@pytest.mark.parametrize("name", ["county", "tier", "industry", "tag"])
def test_api_refuses_a_nul_byte_with_a_chinese_400(client, world, name):
    client.force_login(world[Role.CITY_OPERATOR])
    response = client.get("/api/v1/enterprises/", {name: "440781\x00"})
    assert response.status_code == 400
    assert response.json()["errors"][name] == ["不允许包含空字符（NUL）。"]


def test_pages_show_a_form_error_for_a_bad_offset_and_a_nul(client, world):
    client.force_login(world[Role.CITY_OPERATOR])
    response = client.get("/enterprises/", {"updated_since": "9999-12-31T23:59:59-15:00"})
    assert response.status_code == 200
    assert "updated_since" in response.context["filter"].errors
    response = client.get("/reports/titles/", {"tier": "\x00"})
    assert response.status_code == 200
    assert response.context["filter"].errors["tier"] == ["不允许包含空字符（NUL）。"]
    response = client.post("/reports/statistics/export/?county=440781%00")
    assert response.status_code == 302  # back to the list, with the message; no job
    assert "不允许包含空字符" in " ".join(m.message for m in response.wsgi_request._messages)


def test_audit_search_refuses_a_non_address(client, world):
    client.force_login(world[Role.AUDIT_ADMIN])
    response = client.get("/accounts/audit/", {"ip": "not-an-ip"})
    assert response.status_code == 200
    assert "ip" in response.context["filter"].errors
    assert client.get("/accounts/audit/", {"ip": "127.0.0.1"}).context["filter"].is_valid()


def test_pages_ignore_a_nul_in_a_parameter_they_read_and_say_so(client, world):
    """Parameters a page reads itself (``?period=``, ``?tier=``, ``?county=``) fall back to the default."""
    from targets.models import Indicator

    client.force_login(world[Role.CITY_OPERATOR])
    indicator = Indicator.objects.filter(is_active=True).order_by("pk").first()
    for path, name in [
        ("/tasks/", "period"),
        ("/enterprises/dynamics/reserve/", "tier"),
        (f"/targets/indicators/{indicator.code}/", "county"),
    ]:
        response = client.get(path, {name: "440781\x00"})
        assert response.status_code == 200, path
        shown = [m.message for m in response.context["messages"]]
        assert f"参数“{name}”已忽略：不允许包含空字符（NUL）。" in shown, path


def test_calendar_date_out_of_range_is_a_message(client, world):
    client.force_login(world[Role.CITY_OPERATOR])
    response = client.get("/enterprises/dynamics/", {"date": "9999-12-31"})
    assert response.status_code == 200
    assert any("超出范围" in m.message for m in response.context["messages"])

"""Least privilege: every URL of the portal (web and API) × every role × own and other county.

``ROUTES`` classifies each URL pattern the resolver knows. A pattern missing from it fails
``test_every_url_pattern_is_classified``: whoever adds a URL states here who may open it.

For each classified pattern and principal the expected answer is:
- anonymous: the login page (web) or 401/403 (API), unless the page is public;
- a role in ``allowed``: ``ok`` (200 unless stated);
- any other role: 403;
- the county official (台山) on an object of another county (开平): 404, and a list page that
  could show other counties' rows must not show them.

A POST that writes (``Case.write``) is checked past its status code, as NetBox's view tests check
the object and its change record: when it succeeds the row changed and its audit entry exists;
when it is refused (login, 403, 404) the row is as it was and no such entry was written. Jobs the
request queues after commit run (eagerly) within the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.choices import AuditAction, Role
from accounts.models import AuditLog, PasswordResetRequest
from enterprises.models import (
    ListingAction,
    ListingRecord,
    ListingReserveEntry,
    RDInstitution,
    RDInstitutionLevel,
    ReserveEntry,
    StatisticImport,
    Tier,
    Title,
    TitleReview,
)
from tests import factories

ANON = "anonymous"
SYS, SEC, AUD = Role.SYSTEM_ADMIN.value, Role.SECURITY_ADMIN.value, Role.AUDIT_ADMIN.value
CITY, DEPT, COUNTY, VIEWER = (
    Role.CITY_OPERATOR.value,
    Role.DEPARTMENT_USER.value,
    Role.COUNTY_OFFICIAL.value,
    Role.VIEWER.value,
)
NONE = Role.NO_ROLE.value  # a new account before the security administrator grants a role
PRINCIPALS = [ANON, SYS, SEC, AUD, CITY, DEPT, COUNTY, VIEWER, NONE]
AUTHENTICATED = frozenset(PRINCIPALS) - {ANON}
BUSINESS_READ = frozenset({CITY, DEPT, COUNTY, VIEWER})
BUSINESS_WRITE = frozenset({CITY, COUNTY})
NOBODY: frozenset = frozenset()


@dataclass
class World:
    """Objects of two counties: ``own`` is in 台山 (the county official's), ``other`` in 开平."""

    enterprises: dict
    children: dict
    target_user: object
    audit_row: object

    def enterprise(self, which):
        return self.enterprises[which]

    def child(self, which, kind):
        return self.children[which, kind]


def ent(child: str | None = None, **extra) -> Callable[[World, str], dict]:
    def kwargs(world, which):
        values = {"pk": world.enterprise(which).pk, **extra}
        if child:
            values["child_pk"] = world.child(which, child).pk
        return values

    return kwargs


@dataclass(frozen=True)
class Write:
    """What a POST writes. Both functions take the URL kwargs and the POST data of the request:
    ``state`` reads the target rows (a value compared before and after), ``audit`` gives the
    AuditLog filter of the entry the write records (None: the write is not audited)."""

    state: Callable[[dict, dict], object]
    audit: Callable[[dict, dict], dict] | None
    changes: bool = True  # False: a read that is audited (reveal), nothing to change


@dataclass(frozen=True)
class Case:
    allowed: frozenset
    ok: int = 200
    method: str = "get"
    kwargs: Callable[[World, str], dict] | None = None
    scoped: bool = False  # the object belongs to a county
    public: bool = False  # anonymous users get an answer too
    anonymous: int | None = None  # what a public page answers an anonymous user (default: ok)
    api: bool = False
    path: str | None = None  # for patterns without a name
    hides_other: bool = False  # the page lists rows of several counties
    data: dict = field(default_factory=dict)
    user_kwargs: Callable | None = None  # kwargs built for the requesting principal (own jobs)
    data_fn: Callable | None = None  # POST data built from the world (e.g. which enterprise)
    ok_for: dict = field(default_factory=dict)  # a different success answer for some roles
    write: Write | None = None  # what a successful POST writes (checked before and after)


def _export_jobs():
    from reports.models import ListExportJob

    return _pks(ListExportJob.objects.filter(status="succeeded").exclude(file=""))


EXPORT_WRITE = Write(
    state=lambda kw, d: _export_jobs(), audit=lambda kw, d: {"action": "export", "object_type": "reports.listexportjob"}
)


ROUTES: dict[str, Case] = {
    "": Case(AUTHENTICATED),
    "health/": Case(AUTHENTICATED, public=True),
    # the header search: both counties' enterprises match, the county official finds only hers
    "search/": Case(BUSINESS_READ, hides_other=True, data={"q": "矩阵测试"}),
    # the login CAPTCHA picture (public: it is shown before login)
    "^captcha/image/(?P<key>\\w+)/$": Case(
        AUTHENTICATED, public=True, ok_for={NONE: 403}, kwargs=lambda w, _: {"key": _captcha_key()}
    ),
    # accounts
    "accounts/login/": Case(AUTHENTICATED, ok=302, public=True, anonymous=200),
    "accounts/logout/": Case(AUTHENTICATED, ok=302, method="post", public=True),
    "accounts/password/": Case(AUTHENTICATED),
    # single sign-on (sso app): off by default, so not found for anybody; tests/sso/ runs them with it on
    "sso/oidc/login/": Case(AUTHENTICATED, ok=404, public=True),
    "sso/oidc/callback/": Case(AUTHENTICATED, ok=404, public=True),
    "accounts/otp/setup/": Case(AUTHENTICATED),
    "accounts/otp/verify/": Case(AUTHENTICATED),
    "accounts/users/": Case(frozenset({SYS, SEC})),
    "accounts/users/new/": Case(frozenset({SYS})),
    "accounts/users/<int:pk>/edit/": Case(frozenset({SYS}), kwargs=lambda w, _: {"pk": w.target_user.pk}),
    "accounts/users/<int:pk>/reset-password/": Case(
        frozenset({SYS}),
        ok=302,
        method="post",
        kwargs=lambda w, _: {"pk": w.target_user.pk},
        write=Write(
            state=lambda kw, d: _pks(PasswordResetRequest.objects.filter(user_id=kw["pk"])),
            audit=lambda kw, d: _entry(AuditAction.UPDATE, "accounts.user", kw["pk"]),
        ),
    ),
    # password resets: the system administrator asks, the security administrator decides (two-person rule)
    "accounts/password-resets/": Case(frozenset({SYS, SEC})),
    "accounts/password-resets/<int:pk>/approve/": Case(
        frozenset({SEC}),
        method="post",
        kwargs=lambda w, _: {"pk": _reset_request(w).pk},
        write=Write(
            state=lambda kw, d: _row(PasswordResetRequest, kw["pk"], "status", "user__password"),
            audit=lambda kw, d: _entry(AuditAction.UPDATE, "accounts.user", _reset_user(kw["pk"])),
        ),
    ),
    "accounts/password-resets/<int:pk>/reject/": Case(
        frozenset({SEC}),
        ok=302,
        method="post",
        kwargs=lambda w, _: {"pk": _reset_request(w).pk},
        write=Write(
            state=lambda kw, d: _row(PasswordResetRequest, kw["pk"], "status"),
            audit=lambda kw, d: _entry(AuditAction.UPDATE, "accounts.user", _reset_user(kw["pk"])),
        ),
    ),
    "accounts/users/<int:pk>/grants/": Case(frozenset({SEC}), kwargs=lambda w, _: {"pk": w.target_user.pk}),
    "accounts/users/<int:pk>/reset-otp/": Case(
        frozenset({SEC}),
        ok=302,
        method="post",
        kwargs=lambda w, _: {"pk": w.target_user.pk},
        write=Write(
            state=lambda kw, d: _otp_devices(kw["pk"]),
            audit=lambda kw, d: _entry(AuditAction.GRANT, "accounts.user", kw["pk"]),
        ),
    ),
    "accounts/audit/": Case(frozenset({AUD})),
    "accounts/audit/<int:pk>/": Case(frozenset({AUD}), kwargs=lambda w, _: {"pk": w.audit_row.pk}),
    # with the reveal permission (every principal here holds it; without it: tests/accounts/test_admin_views.py)
    "accounts/audit/<int:pk>/reveal/": Case(
        frozenset({AUD}), method="post", kwargs=lambda w, _: {"pk": w.audit_row.pk}
    ),
    "accounts/reveal/enterprise/<int:pk>/contact/": Case(
        BUSINESS_READ,
        method="post",
        kwargs=ent(),
        scoped=True,
        write=Write(
            state=lambda kw, d: None,
            changes=False,
            audit=lambda kw, d: _entry(AuditAction.REVEAL, "enterprises.enterprise", kw["pk"]),
        ),
    ),
    # enterprises
    "enterprises/": Case(BUSINESS_READ, hides_other=True),
    "enterprises/new/": Case(BUSINESS_WRITE),
    "enterprises/ladder/": Case(BUSINESS_READ),
    "enterprises/<int:pk>/": Case(BUSINESS_READ, kwargs=ent(), scoped=True),
    "enterprises/<int:pk>/edit/": Case(BUSINESS_WRITE, kwargs=ent(), scoped=True),
    "enterprises/<int:pk>/titles/new/": Case(BUSINESS_WRITE, kwargs=ent(), scoped=True),
    "enterprises/<int:pk>/titles/<int:child_pk>/edit/": Case(BUSINESS_WRITE, kwargs=ent("title"), scoped=True),
    "enterprises/<int:pk>/statistics/new/": Case(BUSINESS_WRITE, kwargs=ent(), scoped=True),
    "enterprises/<int:pk>/statistics/<int:child_pk>/edit/": Case(BUSINESS_WRITE, kwargs=ent("statistic"), scoped=True),
    "enterprises/<int:pk>/rd/new/": Case(BUSINESS_WRITE, kwargs=ent(), scoped=True),
    "enterprises/<int:pk>/rd/<int:child_pk>/edit/": Case(BUSINESS_WRITE, kwargs=ent("rd"), scoped=True),
    "enterprises/<int:pk>/listings/new/": Case(BUSINESS_WRITE, kwargs=ent(), scoped=True),
    "enterprises/<int:pk>/listings/<int:child_pk>/edit/": Case(BUSINESS_WRITE, kwargs=ent("listing"), scoped=True),
    "enterprises/<int:pk>/<str:kind>/<int:child_pk>/delete/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        kwargs=ent("title", kind="titles"),
        scoped=True,
        write=Write(
            state=lambda kw, d: Title.objects.filter(pk=kw["child_pk"]).exists(),
            audit=lambda kw, d: _entry(AuditAction.DELETE, "enterprises.title", kw["child_pk"]),
        ),
    ),
    # dynamic management (issue 8)
    "enterprises/dynamics/": Case(BUSINESS_READ),
    "enterprises/dynamics/titles/<int:title_pk>/review/": Case(
        BUSINESS_WRITE, kwargs=lambda w, which: {"title_pk": w.child(which, "title").pk}, scoped=True
    ),
    "enterprises/dynamics/titles/<int:title_pk>/revoke/": Case(
        BUSINESS_WRITE, kwargs=lambda w, which: {"title_pk": w.child(which, "title").pk}, scoped=True
    ),
    "enterprises/dynamics/reserve/": Case(BUSINESS_READ),
    "enterprises/dynamics/reserve/todos/": Case(BUSINESS_READ),
    "enterprises/dynamics/reserve/recommend/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        scoped=True,
        data_fn=lambda w, which: {
            "enterprise": w.enterprise(which).pk,
            "tier": "provincial",
            "year": 2026,
            "note": "矩阵测试",
        },
        write=Write(
            state=lambda kw, d: _pks(ReserveEntry.objects.filter(enterprise_id=d["enterprise"])),
            audit=lambda kw, d: {"action": AuditAction.CREATE, "object_type": "enterprises.reserveentry"},
        ),
    ),
    "enterprises/dynamics/reserve/entries/": Case(BUSINESS_READ),
    "enterprises/dynamics/reserve/entries/<int:pk>/advance/": Case(
        BUSINESS_WRITE, kwargs=lambda w, which: {"pk": w.child(which, "reserve").pk}, scoped=True
    ),
    "enterprises/dynamics/precheck/<int:enterprise_pk>/": Case(
        BUSINESS_READ, kwargs=lambda w, which: {"enterprise_pk": w.enterprise(which).pk}, scoped=True
    ),
    "enterprises/dynamics/criteria/": Case(BUSINESS_READ),
    # listing pipeline (issue 22): everybody with business access reads; the city, counties (their own)
    # and the departments leading the listing goal (市金融局, not the matrix's 市科技局 user) write
    "enterprises/listings/": Case(BUSINESS_READ),
    "enterprises/listings/proposals/": Case(BUSINESS_READ),
    "enterprises/listings/new/": Case(BUSINESS_WRITE),
    "enterprises/listings/<int:pk>/": Case(
        BUSINESS_READ, kwargs=lambda w, which: {"pk": w.child(which, "listing_entry").pk}, scoped=True
    ),
    "enterprises/listings/<int:pk>/edit/": Case(
        BUSINESS_WRITE, kwargs=lambda w, which: {"pk": w.child(which, "listing_entry").pk}, scoped=True
    ),
    "enterprises/listings/<int:pk>/steps/new/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        scoped=True,
        kwargs=lambda w, which: {"pk": w.child(which, "listing_entry").pk},
        data={"stage": "accepted", "venue": "bse", "date": "2025-06-01"},
        write=Write(
            state=lambda kw, d: _pks(ListingRecord.objects.filter(enterprise__listing_entries=kw["pk"])),
            audit=lambda kw, d: {"action": AuditAction.CREATE, "object_type": "enterprises.listingrecord"},
        ),
    ),
    "enterprises/listings/<int:pk>/actions/new/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        scoped=True,
        kwargs=lambda w, which: {"pk": w.child(which, "listing_entry").pk},
        data={"kind": "matchmaking", "date": "2025-06-01", "description": "矩阵测试对接会"},
        write=Write(
            state=lambda kw, d: _pks(ListingAction.objects.filter(entry_id=kw["pk"])),
            audit=lambda kw, d: {"action": AuditAction.CREATE, "object_type": "enterprises.listingaction"},
        ),
    ),
    "enterprises/dynamics/criteria/<int:pk>/edit/": Case(
        frozenset({CITY}), kwargs=lambda w, which: {"pk": _first_criterion().pk}
    ),
    # imports (issues 4, 18): history and import pages readable, uploads by writers (every kind: ?kind=),
    # undo by the city and by a county official for her county's import within 7 days
    "enterprises/imports/": Case(BUSINESS_READ),
    "enterprises/imports/template/": Case(BUSINESS_WRITE),
    "enterprises/imports/upload/": Case(BUSINESS_WRITE),
    "enterprises/imports/<int:pk>/": Case(
        BUSINESS_READ, kwargs=lambda w, which: {"pk": _import(w, which).pk}, scoped=True
    ),
    "enterprises/imports/<int:pk>/status/": Case(
        BUSINESS_READ, kwargs=lambda w, which: {"pk": _import(w, which).pk}, scoped=True
    ),
    "enterprises/imports/<int:pk>/confirm/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        scoped=True,
        kwargs=lambda w, which: {"pk": _import(w, which).pk},
        write=Write(
            state=lambda kw, d: _row(StatisticImport, kw["pk"], "state", "status"),
            audit=lambda kw, d: _entry(AuditAction.IMPORT, "enterprises.statisticimport", kw["pk"]),
        ),
    ),
    "enterprises/imports/<int:pk>/undo/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        scoped=True,
        kwargs=lambda w, which: {"pk": _import(w, which, committed=True).pk},
        write=Write(
            state=lambda kw, d: _row(StatisticImport, kw["pk"], "state", "status"),
            audit=lambda kw, d: _entry(AuditAction.UNDO, "enterprises.statisticimport", kw["pk"]),
        ),
    ),
    # goals and dashboards (issue 5): a county official is sent to her county's dashboard; the city-wide
    # baseline reconciliation is not hers (404); reported values by the lead department and the city
    "targets/": Case(BUSINESS_READ, ok_for={COUNTY: 302}),
    "targets/county/<str:code>/": Case(
        BUSINESS_READ, scoped=True, kwargs=lambda w, which: {"code": w.enterprise(which).county.code}
    ),
    "targets/indicators/<slug:code>/": Case(BUSINESS_READ, kwargs=lambda w, which: {"code": "provincial-srdi"}),
    "targets/indicators/<slug:code>/reconciliation/": Case(
        BUSINESS_READ, ok_for={COUNTY: 404}, kwargs=lambda w, which: {"code": "provincial-srdi-valid"}
    ),
    "targets/indicators/<slug:code>/report/": Case(
        frozenset({CITY}), kwargs=lambda w, which: {"code": "industry-brands"}
    ),
    "targets/indicators/<slug:code>/allocation/": Case(
        frozenset({CITY}), kwargs=lambda w, which: {"code": "provincial-srdi"}
    ),
    # city-wide: the city operator only; a recompute request queues a run of the system's computation
    # (not audited: derived data)
    "targets/recompute/": Case(
        frozenset({CITY}), ok=302, method="post", write=Write(state=lambda kw, d: _recompute_runs(), audit=None)
    ),
    "targets/runs/<int:pk>/": Case(BUSINESS_READ, kwargs=lambda w, which: {"pk": _recompute_run().pk}),
    "targets/runs/<int:pk>/status/": Case(BUSINESS_READ, kwargs=lambda w, which: {"pk": _recompute_run().pk}),
    # responsibility matrix (issue 6): reports of a county on task 二（二）1 (led by 市科技局, the department
    # principal's unit); writers write for their own unit; the lead department reviews its co-units' reports
    "tasks/": Case(BUSINESS_READ),
    "tasks/mine/": Case(BUSINESS_READ),
    "tasks/new/": Case(frozenset({CITY})),
    "tasks/lateness/": Case(frozenset({CITY})),
    "tasks/lateness/remind/": Case(
        frozenset({CITY}),
        ok=302,
        method="post",
        data_fn=lambda w, which: {"period": "2025Q1", "slot": _county_slot("2-2-1", w.enterprise(which).county)},
        write=Write(
            state=lambda kw, d: _reminders(d["period"]),
            audit=lambda kw, d: {"action": AuditAction.CREATE, "object_type": "tasks.reminder"},
        ),
    ),
    "tasks/export/": Case(frozenset({CITY})),
    "tasks/<slug:code>/": Case(BUSINESS_READ, kwargs=lambda w, which: {"code": "2-2-1"}),
    "tasks/<slug:code>/edit/": Case(frozenset({CITY}), kwargs=lambda w, which: {"code": "2-2-1"}),
    "tasks/<slug:code>/<str:period>/report/": Case(
        frozenset({DEPT, COUNTY}), kwargs=lambda w, which: {"code": "2-2-1", "period": "2025Q1"}
    ),
    "tasks/reports/<int:pk>/": Case(
        BUSINESS_READ, scoped=True, kwargs=lambda w, which: {"pk": _task_report(w, which).pk}
    ),
    # the city reviews consolidated reports only: a county's unit report is not among them (404)
    "tasks/reports/<int:pk>/review/": Case(
        frozenset({DEPT, CITY}),
        ok=302,
        ok_for={CITY: 404},
        method="post",
        scoped=True,
        data={"decision": "accept", "comment": ""},
        kwargs=lambda w, which: {"pk": _task_report(w, which).pk},
        write=Write(
            state=lambda kw, d: _report_status(kw["pk"]),
            audit=lambda kw, d: _entry(AuditAction.UPDATE, "tasks.progressreport", kw["pk"]),
        ),
    ),
    "tasks/attachments/<int:pk>/": Case(
        BUSINESS_READ, scoped=True, kwargs=lambda w, which: {"pk": _task_attachment(w, which).pk}
    ),
    # a department user writes, but not for a county: another unit's attachment answers 404
    "tasks/attachments/<int:pk>/delete/": Case(
        frozenset({COUNTY, DEPT}),
        ok=302,
        ok_for={DEPT: 404},
        method="post",
        scoped=True,
        kwargs=lambda w, which: {"pk": _task_attachment(w, which, "draft").pk},
        write=Write(
            state=lambda kw, d: _attachment_exists(kw["pk"]),
            audit=lambda kw, d: _entry(AuditAction.DELETE, "tasks.reportattachment", kw["pk"]),
        ),
    ),
    # service commissioners and requests (issue 14): the world's requests are 知识产权 (led by 市市场监管局,
    # co-department 市科技局, the department principal's unit, which reads them but does not handle them)
    "support/": Case(BUSINESS_READ, hides_other=True, kwargs=lambda w, which: _support_requests(w)),
    "support/mine/": Case(BUSINESS_READ),
    "support/figures/": Case(BUSINESS_READ),
    "support/coverage/": Case(BUSINESS_READ),
    "support/assign/": Case(BUSINESS_WRITE),
    "support/requests/<int:pk>/": Case(
        BUSINESS_READ, scoped=True, kwargs=lambda w, which: {"pk": _support_request(w, which).pk}
    ),
    # the recorder side (city, county) records the enterprise's satisfaction with a closed request
    "support/requests/<int:pk>/step/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        scoped=True,
        data={"action": "rate", "satisfaction": "satisfied"},
        kwargs=lambda w, which: {"pk": _support_request(w, which, status="closed").pk},
        write=Write(
            state=lambda kw, d: _row(_support_model(), kw["pk"], "satisfaction"),
            audit=lambda kw, d: _entry(AuditAction.UPDATE, "support.enterpriserequest", kw["pk"]),
        ),
    ),
    # a file on a request: the recorder side (city, county) of the world's requests; the department
    # principal (市科技局, a co-department) reads them and their files but does not change them
    "support/requests/<int:pk>/attachments/": Case(
        BUSINESS_WRITE,
        ok=302,
        method="post",
        scoped=True,
        data_fn=lambda w, which: {"file": _pdf_upload()},
        kwargs=lambda w, which: {"pk": _support_request(w, which).pk},
        write=Write(
            state=lambda kw, d: _support_attachment_count(kw["pk"]),
            audit=lambda kw, d: {"action": AuditAction.CREATE, "object_type": "support.requestattachment"},
        ),
    ),
    "support/attachments/<int:pk>/": Case(
        BUSINESS_READ, scoped=True, kwargs=lambda w, which: {"pk": _support_attachment(w, which).pk}
    ),
    "support/enterprises/<int:pk>/visit/": Case(BUSINESS_WRITE, scoped=True, kwargs=ent()),
    "support/enterprises/<int:pk>/assign/": Case(BUSINESS_WRITE, scoped=True, kwargs=ent()),
    # reports (a job is visible to its requester only; other requesters' jobs are covered in tests/reports)
    "reports/": Case(BUSINESS_READ),
    "reports/<int:pk>/": Case(BUSINESS_READ, user_kwargs=lambda w, which, user: {"pk": own_report_job(user).pk}),
    "reports/<int:pk>/status/": Case(BUSINESS_READ, user_kwargs=lambda w, which, user: {"pk": own_report_job(user).pk}),
    "reports/<int:pk>/download/": Case(
        BUSINESS_READ, user_kwargs=lambda w, which, user: {"pk": own_report_job(user).pk}
    ),
    # list exports: a POST records the job (audited) and runs it; the job is its requester's alone
    # (other requesters and counties are covered in tests/reports/test_exports.py)
    "reports/export/enterprises/": Case(BUSINESS_READ, ok=302, method="post", write=EXPORT_WRITE),
    "reports/exports/<int:pk>/": Case(
        BUSINESS_READ, user_kwargs=lambda w, which, user: {"pk": own_export_job(user).pk}
    ),
    "reports/exports/<int:pk>/status/": Case(
        BUSINESS_READ, user_kwargs=lambda w, which, user: {"pk": own_export_job(user).pk}
    ),
    "reports/exports/<int:pk>/download/": Case(
        BUSINESS_READ, user_kwargs=lambda w, which, user: {"pk": own_export_job(user).pk}
    ),
    "reports/titles/": Case(BUSINESS_READ, hides_other=True),
    "reports/titles/export/": Case(BUSINESS_READ, ok=302, method="post", write=EXPORT_WRITE),
    "reports/statistics/": Case(BUSINESS_READ, hides_other=True),
    "reports/statistics/export/": Case(BUSINESS_READ, ok=302, method="post", write=EXPORT_WRITE),
    # REST API (DefaultRouter root and its format suffix)
    "api/v1/": Case(BUSINESS_READ, api=True),
    "api/v1/<drf_format_suffix:format>": Case(BUSINESS_READ, api=True, path="/api/v1/.json"),
    # the schema and its docs describe the API, no data: any logged-in user or key
    # an account without a role is refused the whole API (accounts.policy.NO_ROLE)
    "api/v1/schema/": Case(AUTHENTICATED, api=True, ok_for={NONE: 403}),
    "api/v1/docs/": Case(AUTHENTICATED, api=True, ok_for={NONE: 403}),
    # unknown API paths: a JSON 404 for everybody, disclosing nothing
    "api/v1/^.*$": Case(
        AUTHENTICATED, ok=404, api=True, public=True, path="/api/v1/no-such-endpoint/", ok_for={NONE: 403}
    ),
}


def _import(world, which, committed=False):
    """A checked (or committed) statistics import of the county's enterprise, made on demand."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from enterprises.imports import services as imports

    enterprise = world.enterprise(which)
    uploader = factories.make_user(Role.COUNTY_OFFICIAL, county_code=enterprise.county.code)
    data = factories.make_statistics_workbook([factories.statistics_row(enterprise, "2024Q1", revenue=7)])
    upload = SimpleUploadedFile(
        "stats.xlsx", data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    imp = imports.statistic_import_create(actor=uploader, enqueue=False, uploaded_file=upload)
    imp = imports.statistic_import_check(import_id=imp.pk)
    if committed:
        imports.statistic_import_confirm(actor=uploader, statistic_import=imp, skip_error_rows=False, enqueue=False)
        imp = imports.statistic_import_commit(import_id=imp.pk)
    return imp


def _task_report(world, which, status="submitted"):
    county = world.enterprise(which).county.code
    return factories.make_report("2-2-1", "2025Q1", county_code=county, status=status, progress_percent=40)


def _task_attachment(world, which, status="submitted"):
    from django.core.files.base import ContentFile

    from tasks.models import ReportAttachment

    attachment = ReportAttachment(
        report=_task_report(world, which, status), original_name="进展.pdf", kind="pdf", size=9, sha256="0" * 64
    )
    attachment.file.save("progress.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return attachment


def _support_model():
    from support.models import EnterpriseRequest

    return EnterpriseRequest


def _support_request(world, which, status="pending"):
    from accounts.models import Department
    from support.models import RequestCategory

    enterprise = world.enterprise(which)
    day = dt.date(2026, 3, 2)
    return _support_model().objects.create(
        enterprise=enterprise,
        county_id=enterprise.county_id,
        category=RequestCategory.objects.get(code="ip"),
        department=Department.objects.get(code="scjgj"),
        description="商标被侵权",
        status=status,
        received_on=day,
        accept_due=day,
        reply_due=day,
        close_due=day,
        closed_on=day if status == "closed" else None,
    )


def _pdf_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("企业材料.pdf", b"%PDF-1.4\n%matrix\n", content_type="application/pdf")


def _support_attachment(world, which):
    from django.core.files.base import ContentFile

    from support.models import RequestAttachment

    attachment = RequestAttachment(
        request=_support_request(world, which), original_name="材料.pdf", kind="pdf", size=9, sha256="0" * 64
    )
    attachment.file.save("material.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return attachment


def _support_attachment_count(pk):
    from support.models import RequestAttachment

    return RequestAttachment.objects.filter(request_id=pk).count()


def _support_requests(world):
    _support_request(world, "own")
    _support_request(world, "other")
    return {}


def _recompute_run():
    from targets.models import RecomputeRun

    return RecomputeRun.objects.create()


def _row(model, pk, *fields):
    return model.objects.filter(pk=pk).values_list(*fields).first()


def _pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def _entry(action, object_type, pk):
    """The AuditLog filter of the entry a write of one object records."""
    return {"action": action, "object_type": object_type, "object_id": str(pk)}


def _otp_devices(user_pk):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return _pks(TOTPDevice.objects.filter(user_id=user_pk))


def _recompute_runs():
    from targets.models import RecomputeRun

    return list(RecomputeRun.objects.order_by("pk").values_list("pk", "status"))


def _county_slot(task_code, county):
    """A ``slot`` value of the lateness page: the county's column of the task."""
    from tasks.models import KeyTask

    return f"{KeyTask.objects.get(code=task_code).pk}:c{county.pk}"


def _reminders(period_code):
    from tasks.models import Reminder

    return _pks(Reminder.objects.filter(period__code=period_code))


def _report_status(pk):
    from tasks.models import ProgressReport

    return _row(ProgressReport, pk, "status")


def _attachment_exists(pk):
    from tasks.models import ReportAttachment

    return ReportAttachment.objects.filter(pk=pk).exists()


def _first_criterion():
    from enterprises.models import Criterion

    return Criterion.objects.order_by("pk").first()


def _place_kwargs(world, which):
    from accounts.models import Place

    return {"pk": Place.objects.get(code="440781" if which == "own" else "440783").pk}


def _department_kwargs(world, which):
    from accounts.models import Department

    return {"pk": Department.objects.get(code="kjj").pk}


def _indicator():
    from targets.models import Indicator

    return Indicator.objects.order_by("pk").first()


def _key_task():
    from tasks.models import KeyTask

    return KeyTask.objects.order_by("pk").first()


def _progress_value(world, which):
    return factories.make_snapshot_value(world.enterprise(which).county.code)


# Router routes: resource → (kwargs of a detail object, county-scoped?). List, detail and their
# format-suffix variants are classified alike: business readers 200, admins 403, anonymous 401/403,
# the county official 404 on another county's record.
API_RESOURCES = {
    "enterprises": (ent(), True),
    "titles": (lambda w, which: {"pk": w.child(which, "title").pk}, True),
    "statistics": (lambda w, which: {"pk": w.child(which, "statistic").pk}, True),
    "rd-institutions": (lambda w, which: {"pk": w.child(which, "rd").pk}, True),
    "listing-records": (lambda w, which: {"pk": w.child(which, "listing").pk}, True),
    "listing-pipeline": (lambda w, which: {"pk": w.child(which, "listing_entry").pk}, True),
    "places": (_place_kwargs, False),
    "departments": (_department_kwargs, False),
    "indicators": (lambda w, which: {"pk": _indicator().pk}, False),
    "progress": (lambda w, which: {"pk": _progress_value(w, which).pk}, True),
    "tasks": (lambda w, which: {"pk": _key_task().pk}, False),
    "progress-reports": (lambda w, which: {"pk": _task_report(w, which).pk}, True),
    "title-reviews": (lambda w, which: {"pk": w.child(which, "review").pk}, True),
    "reserve-entries": (lambda w, which: {"pk": w.child(which, "reserve").pk}, True),
    "statistics-imports": (
        lambda w, which: {"pk": factories.make_statistic_import(w.enterprise(which).county.code).pk},
        True,
    ),
    "policies": (lambda w, which: {"pk": _policy().pk}, False),
    "support-grants": (lambda w, which: {"pk": _grant_of(w.enterprise(which)).pk}, True),
    # enterprise requests (issue 14): 知识产权, co-department 市科技局 (the department principal reads them)
    "requests": (lambda w, which: {"pk": _support_request(w, which).pk}, True),
}


# Tombstones (``/api/v1/deletions/``): a list only, county-scoped by its queryset.
ROUTES["api/v1/^deletions/$"] = Case(BUSINESS_READ, api=True)
ROUTES["api/v1/^deletions\\.(?P<format>[a-z0-9]+)/?$"] = Case(
    BUSINESS_READ, api=True, kwargs=lambda w, which: {"format": "json"}
)


# Request figures (issue 14): a list only, of the requests the principal reads.
ROUTES["api/v1/^request-figures/$"] = Case(BUSINESS_READ, api=True)
ROUTES["api/v1/^request-figures\\.(?P<format>[a-z0-9]+)/?$"] = Case(
    BUSINESS_READ, api=True, kwargs=lambda w, which: {"format": "json"}
)


# A policy's match lists (issue 15): every business reader; the list holds what the principal reads.
ROUTES["api/v1/^policies/(?P<pk>[^/.]+)/matches/$"] = Case(
    BUSINESS_READ, api=True, kwargs=lambda w, which: {"pk": _policy().pk}, scoped=False
)
ROUTES["api/v1/^policies/(?P<pk>[^/.]+)/matches\\.(?P<format>[a-z0-9]+)/?$"] = Case(
    BUSINESS_READ, api=True, kwargs=lambda w, which: {"pk": _policy().pk, "format": "json"}, scoped=False
)

# Commissioner coverage (issue 14): a list only, of the enterprises the principal reads.
ROUTES["api/v1/^commissioner-coverage/$"] = Case(BUSINESS_READ, api=True)
ROUTES["api/v1/^commissioner-coverage\\.(?P<format>[a-z0-9]+)/?$"] = Case(
    BUSINESS_READ, api=True, kwargs=lambda w, which: {"format": "json"}
)


def _with_format(kwargs):
    return lambda w, which: {**(kwargs(w, which) if kwargs else {}), "format": "json"}


for _resource, (_kwargs, _scoped) in API_RESOURCES.items():
    ROUTES[f"api/v1/^{_resource}/$"] = Case(BUSINESS_READ, api=True)
    ROUTES[f"api/v1/^{_resource}\\.(?P<format>[a-z0-9]+)/?$"] = Case(BUSINESS_READ, api=True, kwargs=_with_format(None))
    ROUTES[f"api/v1/^{_resource}/(?P<pk>[^/.]+)/$"] = Case(BUSINESS_READ, api=True, kwargs=_kwargs, scoped=_scoped)
    ROUTES[f"api/v1/^{_resource}/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$"] = Case(
        BUSINESS_READ, api=True, kwargs=_with_format(_kwargs), scoped=_scoped
    )


def _captcha_key():
    from captcha.models import CaptchaStore

    return CaptchaStore.generate_key()


def _reset_user(request_pk):
    return PasswordResetRequest.objects.get(pk=request_pk).user_id


def _reset_request(w):
    """A pending password reset of the target account, asked by a system administrator."""
    from accounts.models import PasswordResetRequest

    return PasswordResetRequest.objects.create(user=w.target_user, requested_by=factories.make_user(Role.SYSTEM_ADMIN))


def own_report_job(user):
    """A finished report job of ``user`` (or of a city operator for principals without business access)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.models import ReportJob

    requester = user if user is not None else factories.make_user(Role.CITY_OPERATOR)
    job = ReportJob.objects.create(
        requested_by=requester,
        year=2026,
        quarter=3,
        county=requester.county,
        status="succeeded",
        progress=100,
        finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    job.file.save("matrix.xlsx", ContentFile(b"PK\x03\x04 matrix"), save=True)
    return job


def own_export_job(user):
    """A finished list export of ``user`` (or of a city operator for principals without business access)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.models import ListExportJob

    requester = user if user is not None else factories.make_user(Role.CITY_OPERATOR)
    job = ListExportJob.objects.create(
        requested_by=requester,
        kind="statistics",
        county=requester.county,
        status="succeeded",
        progress=100,
        row_count=1,
        finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    job.file.save("matrix.xlsx", ContentFile(b"PK\x03\x04 matrix"), save=True)
    return job


# Policy library (issue 15): every reader reads policies and matches (match lists show the
# enterprises the user may read); the city operator and the issuing department's users (市科技局 here)
# enter policies and conditions.
POLICY_WRITE = frozenset({CITY, DEPT})


def _policy():
    import datetime as _dt

    from accounts.models import Department
    from policies.models import Policy, SupportType

    policy, _created = Policy.objects.get_or_create(
        title="矩阵测试政策",
        defaults={
            "issuing_department": Department.objects.get(code="kjj"),
            "support_type": SupportType.objects.get(code="fund-award"),
            "valid_from": _dt.date(2026, 1, 1),
        },
    )
    return policy


def _policy_attachment():
    from django.core.files.base import ContentFile

    from policies.models import PolicyAttachment

    attachment = PolicyAttachment(policy=_policy(), original_name="政策原文.pdf", kind="pdf", size=9, sha256="0" * 64)
    attachment.file.save("policy.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return attachment


def _policy_attachment_pks(policy_pk):
    from policies.models import PolicyAttachment

    return _pks(PolicyAttachment.objects.filter(policy_id=policy_pk))


def _policy_attachment_exists(pk):
    from policies.models import PolicyAttachment

    return PolicyAttachment.objects.filter(pk=pk).exists()


def _policy_condition():
    from policies.models import PolicyCondition

    return PolicyCondition.objects.get_or_create(policy=_policy(), kind="tag", tag=_first_tag())[0]


def _first_tag():
    from enterprises.models import Tag

    return Tag.objects.order_by("pk").first()


def _condition_exists(pk):
    from policies.models import PolicyCondition

    return PolicyCondition.objects.filter(pk=pk).exists()


def _policy_pushes(policy_pk):
    from policies.models import PolicyPush

    return PolicyPush.objects.filter(policy_id=policy_pk)


def _push_of(enterprise):
    import datetime as _dt

    from policies.models import PolicyPush

    return PolicyPush.objects.get_or_create(
        policy=_policy(), enterprise=enterprise, defaults={"pushed_on": _dt.date(2026, 2, 1)}
    )[0]


def _push_rows(world):
    for which in ("own", "other"):
        _push_of(world.enterprise(which))
    return {}


def _grant_of(enterprise):
    import datetime as _dt

    from accounts.models import Department
    from policies.models import SupportGrant, SupportType

    return SupportGrant.objects.get_or_create(
        enterprise=enterprise,
        policy_text="矩阵测试扶持",
        department=Department.objects.get(code="kjj"),
        support_type=SupportType.objects.get(code="other"),
        amount=5,
        granted_on=_dt.date(2026, 2, 1),
    )[0]


def _grant_rows(world):
    import datetime as _dt

    from accounts.models import Department
    from policies.models import SupportGrant, SupportType

    for which in ("own", "other"):
        SupportGrant.objects.get_or_create(
            enterprise=world.enterprise(which),
            policy_text="矩阵测试扶持",
            department=Department.objects.get(code="kjj"),
            support_type=SupportType.objects.get(code="other"),
            amount=5,
            granted_on=_dt.date(2026, 2, 1),
        )
    return {}


ROUTES.update(
    {
        "policies/": Case(BUSINESS_READ),
        "policies/new/": Case(POLICY_WRITE),
        "policies/<int:pk>/": Case(BUSINESS_READ, kwargs=lambda w, which: {"pk": _policy().pk}),
        "policies/<int:pk>/edit/": Case(POLICY_WRITE, kwargs=lambda w, which: {"pk": _policy().pk}),
        "policies/<int:pk>/conditions/new/": Case(POLICY_WRITE, kwargs=lambda w, which: {"pk": _policy().pk}),
        "policies/<int:pk>/conditions/<int:condition_pk>/delete/": Case(
            POLICY_WRITE,
            ok=302,
            method="post",
            kwargs=lambda w, which: {"pk": _policy().pk, "condition_pk": _policy_condition().pk},
            write=Write(
                state=lambda kw, d: _condition_exists(kw["condition_pk"]),
                audit=lambda kw, d: _entry(AuditAction.DELETE, "policies.policycondition", kw["condition_pk"]),
            ),
        ),
        # a policy's files: every reader downloads, who may edit the policy uploads and deletes
        "policies/<int:pk>/attachments/": Case(
            POLICY_WRITE,
            ok=302,
            method="post",
            data_fn=lambda w, which: {"file": _pdf_upload()},
            kwargs=lambda w, which: {"pk": _policy().pk},
            write=Write(
                state=lambda kw, d: _policy_attachment_pks(kw["pk"]),
                audit=lambda kw, d: {"action": AuditAction.CREATE, "object_type": "policies.policyattachment"},
            ),
        ),
        "policies/<int:pk>/attachments/<int:attachment_pk>/": Case(
            BUSINESS_READ, kwargs=lambda w, which: {"pk": _policy().pk, "attachment_pk": _policy_attachment().pk}
        ),
        "policies/<int:pk>/attachments/<int:attachment_pk>/delete/": Case(
            POLICY_WRITE,
            ok=302,
            method="post",
            kwargs=lambda w, which: {"pk": _policy().pk, "attachment_pk": _policy_attachment().pk},
            write=Write(
                state=lambda kw, d: _policy_attachment_exists(kw["attachment_pk"]),
                audit=lambda kw, d: _entry(AuditAction.DELETE, "policies.policyattachment", kw["attachment_pk"]),
            ),
        ),
        # no conditions: every operating enterprise the user reads is listed as meeting it
        "policies/<int:pk>/matches/": Case(
            BUSINESS_READ, hides_other=True, kwargs=lambda w, which: {"pk": _policy().pk}
        ),
        "policies/<int:pk>/push/": Case(
            POLICY_WRITE,
            ok=302,
            method="post",
            kwargs=lambda w, which: {"pk": _policy().pk},
            write=Write(
                state=lambda kw, d: _pks(_policy_pushes(kw["pk"])),
                audit=lambda kw, d: {"action": AuditAction.CREATE, "object_type": "policies.policypush"},
            ),
        ),
        # to-dos and the ledger: county-scoped lists (rows of both counties made first)
        "policies/todos/": Case(BUSINESS_READ, hides_other=True, data_fn=lambda w, which: _push_rows(w)),
        "policies/todos/<int:pk>/": Case(
            BUSINESS_READ, scoped=True, kwargs=lambda w, which: {"pk": _push_of(w.enterprise(which)).pk}
        ),
        "policies/ledger/": Case(BUSINESS_READ, hides_other=True, data_fn=lambda w, which: _grant_rows(w)),
        "policies/ledger/new/": Case(POLICY_WRITE),
        "policies/indicators/": Case(BUSINESS_READ),
        "policies/<int:pk>/matches/<int:enterprise_pk>/": Case(
            BUSINESS_READ,
            scoped=True,
            kwargs=lambda w, which: {"pk": _policy().pk, "enterprise_pk": w.enterprise(which).pk},
        ),
    }
)


def url_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(route, view name) for every pattern the resolver knows, includes flattened."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), (namespace + pattern.name) if pattern.name else None


NAMES = dict(url_patterns())


def test_every_url_pattern_is_classified():
    missing = sorted(route for route in NAMES if route not in ROUTES)
    assert not missing, (
        f"URL patterns without a least-privilege classification in tests/security/test_matrix.py ROUTES: {missing}"
    )


def test_no_stale_classification():
    stale = sorted(route for route in ROUTES if route not in NAMES)
    assert not stale, f"ROUTES names patterns that no longer exist: {stale}"


@pytest.fixture
def world(db):
    enterprises, children = {}, {}
    level = RDInstitutionLevel.objects.order_by("rank").first()
    for which, code, name in [("own", "440781", "台山矩阵测试有限公司"), ("other", "440783", "开平矩阵测试有限公司")]:
        e = factories.make_enterprise(code, name=name, contact_person="陈大文", contact_phone="13800001111")
        enterprises[which] = e
        children[which, "title"] = factories.make_title(e, "innovative", dt.date(2024, 7, 1))
        children[which, "statistic"] = factories.make_statistic(e, 2025, 1, revenue=100)
        children[which, "rd"] = RDInstitution.objects.create(
            enterprise=e, level=level, name="研发中心", recognised_year=2023
        )
        children[which, "listing"] = ListingRecord.objects.create(
            enterprise=e, stage="tutoring", venue="szse_main", date=dt.date(2025, 3, 1)
        )
        children[which, "listing_entry"] = ListingReserveEntry.objects.create(
            enterprise=e, target_venue="bse", target_year=2027, entered_on=dt.date(2025, 1, 1)
        )
        children[which, "reserve"] = ReserveEntry.objects.create(
            enterprise=e, target_tier=Tier.objects.get(code="national"), year=2026, recommended_on=dt.date(2026, 3, 1)
        )
        children[which, "review"] = TitleReview.objects.create(
            title=children[which, "title"], started_on=dt.date(2026, 3, 1)
        )
    target = factories.make_user(Role.VIEWER, username="target")
    TOTPDevice.objects.create(user=target, name="手机", confirmed=True)  # what reset-otp removes
    row = audit.security_event(target, AuditAction.LOGIN)
    return World(enterprises=enterprises, children=children, target_user=target, audit_row=row)


def principal(role: str):
    if role == ANON:
        return None
    extra = {}
    if role == COUNTY:
        extra["county_code"] = "440781"
    elif role in (DEPT,):
        extra["department_code"] = "kjj"
    elif role == CITY:
        extra["department_code"] = "miit"
    user = factories.make_user(role, username=f"m-{role}", **extra)
    # Everybody holds the reveal permission: the matrix then proves that scope, not the permission
    # alone, decides (admin roles: 403; another county: 404).
    user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    return user


def expected(case: Case, role: str, which: str):
    if role == ANON:
        if case.public:
            return case.anonymous or case.ok
        return "api-refused" if case.api else "login"
    if role not in case.allowed:
        return 403
    if case.scoped and which == "other" and role == COUNTY:
        return 404
    return case.ok_for.get(role, case.ok)


def cases():
    for route, case in ROUTES.items():
        for role in PRINCIPALS:
            for which in ("own", "other") if case.scoped else ("own",):
                yield pytest.param(route, role, which, id=f"{route or '/'}|{role}|{which}")


def accepted(case: Case, role: str, which: str) -> bool:
    """Whether the request is carried out (not refused with login, 403 or 404)."""
    return role != ANON and role in case.allowed and expected(case, role, which) == case.ok


@pytest.mark.parametrize("route,role,which", list(cases()))
def test_least_privilege(client, world, route, role, which, django_capture_on_commit_callbacks):
    case = ROUTES[route]
    if route not in NAMES:
        pytest.fail(f"{route} is classified but not routed")
    user = principal(role)
    if user is not None:
        client.force_login(user)
    kwargs = None
    if case.path:
        url = case.path
    else:
        if case.user_kwargs:
            kwargs = case.user_kwargs(world, which, user)
        elif case.kwargs:
            kwargs = case.kwargs(world, which)
        url = reverse(NAMES[route], kwargs=kwargs)
    data = case.data_fn(world, which) if case.data_fn else case.data
    if case.write:
        before = case.write.state(kwargs, data)
        entries = AuditLog.objects.filter(**case.write.audit(kwargs, data)) if case.write.audit else None
        known = set(entries.values_list("pk", flat=True)) if entries is not None else set()
    with django_capture_on_commit_callbacks(execute=case.write is not None):
        response = getattr(client, case.method)(url, data)
    if case.write:
        after = case.write.state(kwargs, data)
        written = entries.exclude(pk__in=known).exists() if entries is not None else None
        if accepted(case, role, which):
            if case.write.changes:
                assert after != before, (url, role, "the row did not change", before)
            assert written in (True, None), (url, role, "no audit entry")
        else:
            assert after == before, (url, role, which, "a refused request changed the row", before, after)
            assert written in (False, None), (url, role, which, "a refused request was audited as done")
    want = expected(case, role, which)
    if want == "login":
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith("/accounts/login/"), response["Location"]
    elif want == "api-refused":
        assert response.status_code in (401, 403), (url, response.status_code)
    else:
        assert response.status_code == want, (url, role, which, response.status_code)
    if case.hides_other and response.status_code == 200 and role == COUNTY:
        html = response.content.decode()
        assert world.enterprise("own").name in html
        assert world.enterprise("other").name not in html

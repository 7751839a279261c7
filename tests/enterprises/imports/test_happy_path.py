"""Check, confirm, commit and undo through the services (jobs run in-process)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import audit
from accounts.models import AuditLog
from enterprises.imports import services
from enterprises.models import ImportState, Statistic, StatisticImportChange
from enterprises.signals import statistics_changed
from tests.enterprises.imports.conftest import db_state, uploaded
from tests.factories import make_enterprise, make_statistic, make_statistics_workbook, statistics_row

pytestmark = pytest.mark.django_db


def check(user, rows, **kwargs):
    imp = services.statistic_import_create(
        actor=user, uploaded_file=uploaded(make_statistics_workbook(rows)), enqueue=False, **kwargs
    )
    return services.statistic_import_check(import_id=imp.pk)


def test_check_counts_then_commit_writes_and_undo_restores(taishan_official, city_operator):
    a, b, c = (make_enterprise("440781") for _ in range(3))
    make_statistic(a, 2024, 1, revenue=Decimal("100.00"), employees=10)
    make_statistic(b, 2024, 1, revenue=Decimal("50.00"), employees=5)
    rows = [
        statistics_row(a, "2024Q1", revenue="1,234.5", employees="１２"),  # changed (separators, full-width)
        statistics_row(b, "2024年第一季度", revenue=50, employees=5),  # unchanged
        statistics_row(c, "2024-Q1", revenue=8, profit=-3.5, digital_level=3, university_cooperation="是"),  # new
    ]
    before = db_state()
    imp = check(taishan_official, rows)
    assert imp.state == ImportState.CHECKED, imp.errors
    assert (imp.row_count, imp.new_count, imp.changed_count, imp.unchanged_count, imp.error_count) == (3, 1, 1, 1, 0)
    assert imp.periods == ["2024Q1"]
    assert db_state() == before  # a check writes nothing

    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    imp = services.statistic_import_commit(import_id=imp.pk)
    assert imp.state == ImportState.COMMITTED, imp.message
    sa = Statistic.objects.get(enterprise=a)
    assert sa.revenue == Decimal("1234.50") and sa.employees == 12 and sa.version == 2
    sb = Statistic.objects.get(enterprise=b)
    assert sb.version == 1  # unchanged rows are not rewritten
    sc = Statistic.objects.get(enterprise=c)
    assert sc.profit == Decimal("-3.50") and sc.digital_level == 3 and sc.university_cooperation is True
    # the audit trail of the bulk write: one sealed entry (who, when, where) + a change row per statistic
    seal = AuditLog.objects.get(action="import", object_type="enterprises.statisticimport", object_id=str(imp.pk))
    assert seal.actor_username == "taishan" and seal.county_code == "440781"
    assert seal.after["change_set"]["rows"] == 2 and len(seal.after["change_set"]["sha256"]) == 64
    changes = {c.statistic_id: c for c in StatisticImportChange.objects.filter(statistic_import=imp)}
    assert set(changes) == {sa.pk, sc.pk}
    assert not changes[sa.pk].created and changes[sa.pk].version_after == 2
    assert (changes[sa.pk].before_revenue, changes[sa.pk].after_revenue) == (Decimal("100.00"), Decimal("1234.50"))
    assert (changes[sa.pk].before_employees, changes[sa.pk].after_employees) == (10, 12)
    assert changes[sc.pk].created and changes[sc.pk].before_profit is None
    assert changes[sc.pk].after_profit == Decimal("-3.50") and changes[sc.pk].after_university_cooperation is True
    assert list(AuditLog.objects.filter(audit.entries_about("enterprises.statistic", str(sa.pk)))) == [seal]
    assert audit.verify_chain() is None

    # a county official may undo her own county's import within 7 days (issue 18), not after them
    with time_machine.travel(imp.committed_at + dt.timedelta(days=7, seconds=1), tick=False):
        with pytest.raises(PermissionDenied):
            services.statistic_import_undo(actor=taishan_official, statistic_import=imp)
    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    sa.refresh_from_db()
    assert sa.revenue == Decimal("100.00") and sa.employees == 10 and sa.version == 3
    assert not Statistic.objects.filter(enterprise=c).exists()
    assert Statistic.objects.get(enterprise=b).version == 1
    imp.refresh_from_db()
    assert imp.state == ImportState.UNDONE and imp.undone_by == city_operator
    undo_seal = AuditLog.objects.get(action="undo", object_type="enterprises.statisticimport", object_id=str(imp.pk))
    assert undo_seal.actor_username == "city"
    assert undo_seal.after["change_set"] == seal.after["change_set"]  # the same rows, read backwards
    assert list(AuditLog.objects.filter(audit.entries_about("enterprises.statistic", str(sc.pk))).order_by("id")) == [
        seal,
        undo_seal,
    ]
    assert audit.verify_chain() is None
    with pytest.raises(ValidationError):
        services.statistic_import_undo(actor=city_operator, statistic_import=imp)


def test_empty_cells_keep_stored_values(taishan_official):
    a = make_enterprise("440781")
    make_statistic(a, 2024, 2, revenue=Decimal("10.00"), employees=7)
    imp = check(taishan_official, [statistics_row(a, "2024Q2", employees=8)])
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    services.statistic_import_commit(import_id=imp.pk)
    s = Statistic.objects.get(enterprise=a)
    assert s.revenue == Decimal("10.00") and s.employees == 8


def test_amounts_in_yuan_when_the_header_says_so(taishan_official):
    from enterprises.imports.columns import COLUMNS, template_header

    a = make_enterprise("440781")
    headers = [template_header(c).replace("（万元）", "（元）") for c in COLUMNS]
    row = statistics_row(a, "2024Q1", revenue=12_345_678)
    imp = services.statistic_import_create(
        actor=taishan_official, uploaded_file=uploaded(make_statistics_workbook([row], headers=headers)), enqueue=False
    )
    imp = services.statistic_import_check(import_id=imp.pk)
    assert imp.new_count == 1, imp.errors
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    services.statistic_import_commit(import_id=imp.pk)
    assert Statistic.objects.get(enterprise=a).revenue == Decimal("1234.57")


def test_errors_block_confirm_unless_skipped_and_stay_listed(taishan_official):
    a, b = make_enterprise("440781"), make_enterprise("440781")
    rows = [statistics_row(a, "2024Q1", revenue=5), statistics_row(b, "2024Q1", employees=-1)]
    before = db_state()
    imp = check(taishan_official, rows)
    assert imp.error_count == 1 and imp.errors[0]["row"] == 3 and imp.errors[0]["column"] == "从业人员（人）"
    with pytest.raises(ValidationError):
        services.statistic_import_confirm(
            actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
        )
    assert db_state() == before
    services.statistic_import_confirm(actor=taishan_official, statistic_import=imp, skip_error_rows=True, enqueue=False)
    imp = services.statistic_import_commit(import_id=imp.pk)
    assert imp.state == ImportState.COMMITTED and imp.skip_error_rows
    assert imp.error_count == 1 and imp.errors[0]["row"] == 3
    assert Statistic.objects.filter(enterprise=a).exists() and not Statistic.objects.filter(enterprise=b).exists()


def test_undo_refused_when_a_value_was_edited_later(taishan_official, city_operator):
    from enterprises.services import statistic_save

    a = make_enterprise("440781")
    imp = check(taishan_official, [statistics_row(a, "2024Q1", revenue=5)])
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    services.statistic_import_commit(import_id=imp.pk)
    stat = Statistic.objects.get(enterprise=a)
    stat.revenue = Decimal("6")
    statistic_save(actor=taishan_official, statistic=stat)
    with pytest.raises(ValidationError, match="2"):
        services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert Statistic.objects.get(enterprise=a).revenue == Decimal("6.00")
    assert StatisticImportChange.objects.filter(statistic_import=imp).count() == 1


def test_same_file_again_is_detected(taishan_official):
    a = make_enterprise("440781")
    data = make_statistics_workbook([statistics_row(a, "2024Q1", revenue=5)])
    first = services.statistic_import_create(actor=taishan_official, uploaded_file=uploaded(data), enqueue=False)
    services.statistic_import_check(import_id=first.pk)
    second = services.statistic_import_create(actor=taishan_official, uploaded_file=uploaded(data), enqueue=False)
    assert second.checksum == first.checksum and second.duplicate_of_id == first.pk


def test_a_job_delivered_twice_does_nothing_the_second_time(taishan_official):
    a = make_enterprise("440781")
    imp = check(taishan_official, [statistics_row(a, "2024Q1", revenue=5)])
    assert services.statistic_import_check(import_id=imp.pk).state == ImportState.CHECKED
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    services.statistic_import_commit(import_id=imp.pk)
    before = db_state()
    again = services.statistic_import_commit(import_id=imp.pk)
    assert again.state == ImportState.COMMITTED and db_state() == before
    assert StatisticImportChange.objects.filter(statistic_import=imp).count() == 1


def test_statistics_changed_is_sent_after_commit_with_the_import_id(
    taishan_official, city_operator, django_capture_on_commit_callbacks
):
    a = make_enterprise("440781")
    imp = check(taishan_official, [statistics_row(a, "2024Q1", revenue=5)])
    services.statistic_import_confirm(
        actor=taishan_official, statistic_import=imp, skip_error_rows=False, enqueue=False
    )
    received = []

    def receiver(sender, import_id, **kwargs):
        received.append((sender, import_id, Statistic.objects.filter(enterprise=a).exists()))

    statistics_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.statistic_import_commit(import_id=imp.pk)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert received == [(type(imp), imp.pk, True)]
        with django_capture_on_commit_callbacks(execute=True):
            services.statistic_import_undo(actor=city_operator, statistic_import=imp)
        assert received[-1] == (type(imp), imp.pk, False)
    finally:
        statistics_changed.disconnect(receiver)


def test_statistics_list_export_imports_back_unchanged(taishan_official, city_operator):
    """The statistics list page's export, as written by the real exporter from the real list
    order, goes back into the statistics import with every row unchanged and nothing written."""
    from reports import exports
    from reports.selectors import STATISTIC_ORDER

    a, b = make_enterprise("440781"), make_enterprise("440781")
    make_statistic(
        a,
        2024,
        1,
        output_value=Decimal("1234.56"),
        revenue=Decimal("1200.00"),
        profit=Decimal("-15.50"),
        rd_expense=Decimal("48.00"),
        employees=30,
        rd_staff=5,
        invention_patents=2,
        digital_level=3,
        university_cooperation=True,
        fills_tech_gap=False,
    )
    make_statistic(a, 2024, 2, revenue=Decimal("2500.00"), employees=31)  # the other figures empty
    make_statistic(b, 2024, 1, revenue=Decimal("0.00"), profit=Decimal("0.00"), employees=0)
    queryset = Statistic.objects.filter(enterprise__county__code="440781").order_by(*STATISTIC_ORDER)
    output = __import__("io").BytesIO()
    assert exports.export_statistics(user=taishan_official, queryset=queryset, filters="", output=output) == 3
    before = db_state()
    for user in (taishan_official, city_operator):
        imp = services.statistic_import_create(
            actor=user, uploaded_file=uploaded(output.getvalue(), "统计数据.xlsx"), enqueue=False
        )
        imp = services.statistic_import_check(import_id=imp.pk)
        assert imp.errors == [], imp.errors
        assert (imp.new_count, imp.changed_count, imp.unchanged_count) == (0, 0, 3)
    assert db_state() == before

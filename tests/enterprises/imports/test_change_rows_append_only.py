"""The change rows of the roster and recognition-list kinds are append-only in the database, as the
statistics kind's are (``enterprises`` migration 0010): UPDATE, DELETE and TRUNCATE are refused
whoever issues them — the application's role by its privileges (``create_app_db_role``, the suite
runs as that role when ``TEST_DB_APP_ROLE`` is set), the tables' owner by the triggers. An undo
still works: it writes the business rows back and seals the same change rows again; it never
changes or deletes a change row."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts import audit
from accounts.append_only import installed, protected_tables
from accounts.models import AuditLog
from enterprises.identifiers import make_credit_code
from enterprises.imports import services
from enterprises.models import Enterprise, EnterpriseImportChange, ImportState, Title, TitleImportChange
from tests.db_role import as_owner
from tests.enterprises.imports.test_roster import book
from tests.enterprises.imports.test_roster import check as check_roster
from tests.enterprises.imports.test_roster import commit as commit_roster
from tests.enterprises.imports.test_titles import INNOVATIVE, published
from tests.enterprises.imports.test_titles import check as check_titles
from tests.enterprises.imports.test_titles import commit as commit_titles
from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db

ROSTER_TABLE = EnterpriseImportChange._meta.db_table
TITLES_TABLE = TitleImportChange._meta.db_table


@pytest.fixture
def roster_import(city_operator):
    """A committed roster import: one enterprise renamed (row 2), two created (rows 3 and 4)."""
    known = make_enterprise("440781", name="台山旧名有限公司")
    data = book(
        [
            [known.credit_code, "台山新名有限公司", "", "", "", "", "", ""],
            [make_credit_code("440781", 801), "台山新甲有限公司", "台山市", "", "", "", "", ""],
            [make_credit_code("440783", 802), "开平新乙有限公司", "开平市", "", "", "", "", ""],
        ]
    )
    imp = commit_roster(city_operator, check_roster(city_operator, data))
    assert imp.state == ImportState.COMMITTED and (imp.new_count, imp.changed_count) == (2, 1), imp.errors
    return imp, known


@pytest.fixture
def titles_import(city_operator):
    """A committed recognition list of two enterprises: two new titles."""
    firms = [make_enterprise("440781", name="台山名单甲有限公司"), make_enterprise("440783", name="开平名单乙有限公司")]
    data = published([[e.name, e.credit_code, "江门市"] for e in firms])
    imp = commit_titles(city_operator, check_titles(city_operator, data, INNOVATIVE))
    assert imp.state == ImportState.COMMITTED and imp.new_count == 2, imp.errors
    return imp, firms


def test_both_tables_carry_the_triggers():
    assert installed(connection, ROSTER_TABLE) and installed(connection, TITLES_TABLE)
    # the application's role is created without UPDATE, DELETE and TRUNCATE on every protected table
    assert {ROSTER_TABLE, TITLES_TABLE} <= set(protected_tables(connection))


@pytest.mark.parametrize(
    ("table", "sql"),
    [
        (ROSTER_TABLE, f"UPDATE {ROSTER_TABLE} SET after_name = 'forged'"),
        (ROSTER_TABLE, f"DELETE FROM {ROSTER_TABLE}"),
        (TITLES_TABLE, f"UPDATE {TITLES_TABLE} SET after_batch = 'forged'"),
        (TITLES_TABLE, f"DELETE FROM {TITLES_TABLE}"),
    ],
)
def test_update_and_delete_are_refused_by_the_database(roster_import, titles_import, table, sql):
    model = EnterpriseImportChange if table == ROSTER_TABLE else TitleImportChange
    before = list(model.objects.order_by("pk").values())
    assert len(before) in (2, 3)
    # the suite's own connection: the application's role under TEST_DB_APP_ROLE (no privilege), else the owner
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    # the owner, who holds every privilege: the trigger refuses
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), as_owner(), connection.cursor() as cursor:
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), as_owner(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table}")
    assert list(model.objects.order_by("pk").values()) == before


def test_the_orm_cannot_change_a_change_row_either(roster_import):
    row = EnterpriseImportChange.objects.order_by("pk").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        EnterpriseImportChange.objects.filter(pk=row.pk).update(after_name="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        EnterpriseImportChange.objects.filter(pk=row.pk).delete()
    assert EnterpriseImportChange.objects.get(pk=row.pk).after_name == row.after_name


def test_roster_undo_still_works_and_seals_the_same_rows(roster_import, city_operator):
    imp, known = roster_import
    rows_before = list(EnterpriseImportChange.objects.order_by("pk").values())
    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    known.refresh_from_db()
    assert known.name == "台山旧名有限公司" and known.version == 3  # 1, renamed 2, put back 3
    assert not Enterprise.objects.filter(credit_code__in=[make_credit_code("440781", 801)]).exists()
    assert not Enterprise.objects.filter(credit_code=make_credit_code("440783", 802)).exists()
    assert list(EnterpriseImportChange.objects.order_by("pk").values()) == rows_before  # not a row changed
    seal, undo_seal = (
        AuditLog.objects.get(action=action, object_type="enterprises.statisticimport", object_id=str(imp.pk))
        for action in ("import", "undo")
    )
    assert undo_seal.after["change_set"]["sha256"] == seal.after["change_set"]["sha256"]
    assert undo_seal.after["change_set"]["rows"] == 3
    assert audit.verify_chain() is None


def test_titles_undo_still_works_and_seals_the_same_rows(titles_import, city_operator):
    imp, firms = titles_import
    rows_before = list(TitleImportChange.objects.order_by("pk").values())
    services.statistic_import_undo(actor=city_operator, statistic_import=imp)
    assert not Title.objects.filter(enterprise__in=firms).exists()
    assert list(TitleImportChange.objects.order_by("pk").values()) == rows_before
    undo_seal = AuditLog.objects.get(action="undo", object_id=str(imp.pk))
    assert undo_seal.after["change_set"]["kind"] == "title_import" and undo_seal.after["change_set"]["rows"] == 2
    assert audit.verify_chain() is None


def test_every_kind_registers_its_change_set_with_the_audit_trail(roster_import, titles_import):
    """One loop in ``enterprises.apps`` registers each kind's ``changes`` and ``describe_changes``."""
    from accounts.choices import AuditAction

    assert audit.change_set_kind("statistic_import") is not None
    imp, known = roster_import
    roster = audit.change_set_kind("enterprise_import")
    rows = list(roster.rows(imp.pk))
    assert [r.row_no for r in rows] == [2, 3, 4]
    assert roster.touching("enterprises.enterprise", str(known.pk)) == [imp.pk]
    assert roster.touching("enterprises.title", str(known.pk)) == []
    renamed, created = roster.describe(rows)[:2]
    assert renamed["object_repr"] == f"台山新名有限公司 · {known.credit_code}"
    assert renamed["action"] == AuditAction.UPDATE.label
    assert [(str(label), before, after) for label, before, after in renamed["changes"]] == [
        ("名称", "台山旧名有限公司", "台山新名有限公司")
    ]
    assert created["action"] == AuditAction.CREATE.label
    assert roster.describe(rows, undo=True)[1]["action"] == AuditAction.DELETE.label
    assert roster.digest(imp.pk)[0] == 3

    listed, firms = titles_import
    titles = audit.change_set_kind("title_import")
    title = Title.objects.get(enterprise=firms[0])
    assert titles.touching("enterprises.title", str(title.pk)) == [listed.pk]
    first = titles.describe(list(titles.rows(listed.pk)))[0]
    assert first["object_id"] == title.pk and first["action"] == AuditAction.CREATE.label
    assert first["changes"] == [("批次", None, "2024年第一批")]


@pytest.mark.parametrize(
    "table",
    [
        "enterprises_rdinstitutionimportchange",
        "enterprises_listingimportchange",
        "support_commissionerimportchange",
        "policies_grantimportchange",
    ],
)
def test_every_import_kinds_change_rows_are_append_only(table):
    """R&D institutions and the kinds of the apps above (commissioner assignments, disbursement lists)
    are protected too: every registered kind's change table carries the triggers."""
    from enterprises.imports.engine import all_kinds

    assert installed(connection, table)
    assert {kind.changes.model._meta.db_table for kind in all_kinds()} <= set(protected_tables(connection))

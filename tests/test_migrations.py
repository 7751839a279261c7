"""Migrations are frozen: they import Django and the standard library, never the application."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest
from django.conf import settings

from accounts import append_only

BASE_DIR = Path(settings.BASE_DIR)
MIGRATIONS = sorted(p for p in BASE_DIR.glob("*/migrations/*.py") if p.name != "__init__.py")

# Django serialises a reference to a field's validator or upload_to function into the migration
# that creates the field (and compares it when it looks for changes): those functions must stay
# importable while a migration names them. Nothing else of the application may be imported.
FIELD_REFERENCES = {
    ("enterprises/migrations/0001_initial.py", "enterprises.validators"),
    ("reports/migrations/0001_initial.py", "reports.models"),
    ("tasks/migrations/0001_initial.py", "tasks.models"),
    ("support/migrations/0004_request_attachments.py", "support.models"),
    ("reports/migrations/0003_list_export_job.py", "reports.models"),
    ("policies/migrations/0005_policy_attachments.py", "policies.models"),
}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (imports inside functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def application_imports(path: Path) -> set[str]:
    allowed_roots = {"django", "__future__"} | set(sys.stdlib_module_names)
    return {m for m in imported_modules(path) if m.startswith(".") or m.split(".")[0] not in allowed_roots}


def test_migrations_are_found():
    names = {str(p.relative_to(BASE_DIR)) for p in MIGRATIONS}
    assert "accounts/migrations/0003_auditlog_append_only.py" in names
    assert "enterprises/migrations/0004_import_changes_after_values.py" in names


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_migration_imports_no_application_code(path):
    name = str(path.relative_to(BASE_DIR))
    unexpected = {m for m in application_imports(path) if (name, m) not in FIELD_REFERENCES}
    assert not unexpected, f"{name} imports application code: {sorted(unexpected)}"


def test_scan_sees_deferred_and_relative_imports(tmp_path):
    path = tmp_path / "0009_example.py"
    path.write_text(
        "import datetime\nfrom django.db import migrations\nfrom . import helpers\n"
        "def forwards(apps, schema_editor):\n    from accounts.append_only import install\n"
    )
    assert application_imports(path) == {".", "accounts.append_only"}


def _normalised(statements: list[str]) -> list[str]:
    return [" ".join(sql.split()) for sql in statements]


@pytest.mark.parametrize(
    ("migration", "table"),
    [
        ("accounts.migrations.0003_auditlog_append_only", "accounts_auditlog"),
        ("accounts.migrations.0004_auditlog_plain_indexes", "accounts_auditlog"),
        ("enterprises.migrations.0004_import_changes_after_values", "enterprises_statisticimportchange"),
    ],
)
def test_frozen_trigger_sql_is_what_flush_restores(migration, table):
    """``flush`` lifts and restores the triggers with ``accounts.append_only``: the same statements
    the migrations installed, for both databases."""
    module = importlib.import_module(migration)
    assert _normalised(module.INSTALL["postgresql"]) == _normalised(append_only._pg_install(table))
    assert _normalised(module.UNINSTALL["postgresql"]) == _normalised(append_only._pg_uninstall(table))
    assert _normalised(module.INSTALL["sqlite"]) == _normalised(append_only._sqlite_install(table))
    assert _normalised(module.UNINSTALL["sqlite"]) == _normalised(append_only._sqlite_uninstall(table))


@pytest.mark.parametrize(
    ("migration", "table"),
    [
        ("enterprises.migrations.0010_import_change_rows_append_only", "enterprises_enterpriseimportchange"),
        ("enterprises.migrations.0010_import_change_rows_append_only", "enterprises_titleimportchange"),
        ("enterprises.migrations.0011_rd_institution_import", "enterprises_rdinstitutionimportchange"),
        ("support.migrations.0005_commissioner_import_change_append_only", "support_commissionerimportchange"),
        ("policies.migrations.0004_grant_import_change_append_only", "policies_grantimportchange"),
        ("enterprises.migrations.0012_listing_record_import", "enterprises_listingimportchange"),
    ],
)
def test_frozen_trigger_sql_of_a_migration_of_several_tables(migration, table):
    """The same for a migration that protects several tables (its statements keyed by table)."""
    module = importlib.import_module(migration)
    assert _normalised(module.INSTALL[table]["postgresql"]) == _normalised(append_only._pg_install(table))
    assert _normalised(module.UNINSTALL[table]["postgresql"]) == _normalised(append_only._pg_uninstall(table))
    assert _normalised(module.INSTALL[table]["sqlite"]) == _normalised(append_only._sqlite_install(table))
    assert _normalised(module.UNINSTALL[table]["sqlite"]) == _normalised(append_only._sqlite_uninstall(table))

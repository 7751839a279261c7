"""``manage.py import_statistics`` prints the same counts and errors as the preview."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from enterprises.models import Statistic
from tests.enterprises.imports.conftest import db_state
from tests.factories import make_enterprise, make_statistics_workbook, statistics_row

pytestmark = pytest.mark.django_db


def test_dry_run_prints_counts_and_errors_and_writes_nothing(tmp_path, taishan_official):
    a, b = make_enterprise("440781"), make_enterprise("440781")
    path = tmp_path / "q1.xlsx"
    make_statistics_workbook(
        [statistics_row(a, "2024Q1", revenue=3), statistics_row(b, "2024Q1", employees="x")], path=path
    )
    before = db_state()
    out = StringIO()
    call_command("import_statistics", str(path), "--dry-run", "--user", "taishan", stdout=out)
    text = out.getvalue()
    assert "新增：1" in text and "错误：1" in text
    assert "第 3 行，从业人员（人） 列" in text and "整数" in text
    assert "试运行" in text
    assert db_state() == before


def test_errors_stop_the_write_unless_skipped(tmp_path, taishan_official):
    a, b = make_enterprise("440781"), make_enterprise("440781")
    path = tmp_path / "q1.xlsx"
    make_statistics_workbook(
        [statistics_row(a, "2024Q1", revenue=3), statistics_row(b, "2024Q1", employees="x")], path=path
    )
    before = db_state()
    with pytest.raises(CommandError, match="skip-errors"):
        call_command("import_statistics", str(path), "--user", "taishan", stdout=StringIO())
    assert db_state() == before
    out = StringIO()
    call_command("import_statistics", str(path), "--user", "taishan", "--skip-errors", stdout=out)
    assert "已写入" in out.getvalue()
    assert Statistic.objects.get(enterprise=a).revenue == Decimal("3.00")
    assert not Statistic.objects.filter(enterprise=b).exists()


def test_a_user_without_write_access_is_refused(tmp_path, viewer):
    a = make_enterprise("440781")
    path = tmp_path / "q1.xlsx"
    make_statistics_workbook([statistics_row(a, "2024Q1", revenue=3)], path=path)
    with pytest.raises(CommandError):
        call_command("import_statistics", str(path), "--user", "viewer", stdout=StringIO())
    assert not Statistic.objects.exists()

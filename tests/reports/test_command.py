"""``manage.py export_quarterly_report`` and a second reader (LibreOffice headless)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from accounts.models import AuditLog

pytestmark = pytest.mark.django_db


def test_command_writes_city_report(tmp_path, city):
    out = tmp_path / "r.xlsx"
    call_command("export_quarterly_report", "--period", "2026Q3", "--output", str(out))
    wb = load_workbook(out)
    # cover … import log, requests, commissioner coverage, support ledger, listing reserve
    assert len(wb.sheetnames) == 12
    assert len(list(wb["企业名录"].iter_rows(min_row=3))) == 7
    event = AuditLog.objects.get(action="export")
    assert event.actor_username == "cli:export_quarterly_report" and event.source == "cli"


def test_command_for_one_county(tmp_path, city):
    out = tmp_path / "r.xlsx"
    call_command("export_quarterly_report", "--period", "2026q3", "--county", "440783", "--output", str(out))
    counties = {r[4] for r in load_workbook(out)["企业名录"].iter_rows(min_row=3, values_only=True)}
    assert counties == {"开平市"}


def test_command_with_a_county_officials_scope(tmp_path, taishan_official, city):
    out = tmp_path / "r.xlsx"
    call_command("export_quarterly_report", "--period", "2026Q3", "--user", "taishan", "--output", str(out))
    counties = {r[4] for r in load_workbook(out)["企业名录"].iter_rows(min_row=3, values_only=True)}
    assert counties == {"台山市"}
    with pytest.raises(CommandError):
        call_command(
            "export_quarterly_report",
            "--period",
            "2026Q3",
            "--user",
            "taishan",
            "--county",
            "440783",
            "--output",
            str(tmp_path / "x.xlsx"),
        )


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2026Q9"],
        ["--period", "Q3-2026"],
        ["--period", "2026Q3", "--county", "999999"],
        ["--period", "2026Q3", "--user", "nobody"],
    ],
)
def test_command_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, args):
    out = tmp_path / "r.xlsx"
    logged = AuditLog.objects.count()
    with pytest.raises(CommandError):
        call_command("export_quarterly_report", *args, "--output", str(out))
    assert not out.exists()
    assert AuditLog.objects.count() == logged


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
def test_libreoffice_reads_the_report(tmp_path, city):
    """A second, independent reader: LibreOffice converts the workbook without error, and the
    first sheet's CSV shows the cover; the roster converted to CSV keeps the formula-like name as text."""
    out = tmp_path / "report.xlsx"
    call_command("export_quarterly_report", "--period", "2026Q3", "--output", str(out))
    env = {**os.environ, "HOME": str(tmp_path)}  # a private LibreOffice profile
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    pdf = subprocess.run(
        [SOFFICE, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "report.pdf").stat().st_size > 1000
    # CSV of the roster sheet (sheet 5); filter options: separator, quote, UTF-8, start row, …, sheet number
    csv_run = subprocess.run(
        [
            SOFFICE,
            profile,
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,5",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert csv_run.returncode == 0, csv_run.stderr
    produced = [p for p in tmp_path.iterdir() if p.suffix == ".csv"]
    assert produced, csv_run.stdout
    with open(produced[0], encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    names = [r[2] for r in rows[2:]]
    assert city["ts1"].name in names  # LibreOffice kept it as text: not evaluated, not an error
    assert "#NAME?" not in " ".join(" ".join(r) for r in rows)

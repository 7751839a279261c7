"""``manage.py export_quarterly_report`` and a second reader (LibreOffice headless)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
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
    # CSV of the roster sheet (the last); filter options: separator, quote, UTF-8, start row, …, sheet number
    csv_run = subprocess.run(
        [
            SOFFICE,
            profile,
            "--headless",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{len(load_workbook(out, read_only=True).sheetnames)}",
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


def pdf_pages(path) -> int:
    """Pages of a PDF LibreOffice wrote (each page object is ``/Type/Page``; the tree nodes are ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
def test_libreoffice_prints_each_sheet_fit_to_width(tmp_path, city):
    """Printed through LibreOffice (A4), every sheet of a small city's report is one page wide: a
    sheet of a few rows prints on exactly one page (a sheet cut in two across its width would need
    two), the goals sheet with its chart below the table on at most two, the 16 goals × 7 counties
    (112 rows) on at most four, and the whole workbook is the sum of its sheets."""
    from targets.models import Plan
    from targets.services import snapshot_compute

    snapshot_compute(plan=Plan.objects.get(), as_of=dt.date(2026, 9, 30))
    out = tmp_path / "report.xlsx"
    call_command("export_quarterly_report", "--period", "2026Q3", "--output", str(out))
    names = load_workbook(out).sheetnames
    singles = []
    for index, name in enumerate(names):
        wb = load_workbook(out)  # charts and print set-up are read back
        for other in [n for n in names if n != name]:
            del wb[other]
        path = tmp_path / f"sheet{index:02d}.xlsx"
        wb.save(path)
        singles.append(path)
    env = {**os.environ, "HOME": str(tmp_path)}
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"
    pdf_dir = tmp_path / "pdf"
    run = subprocess.run(
        [SOFFICE, profile, "--headless", "--convert-to", "pdf", "--outdir", str(pdf_dir), str(out), *map(str, singles)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    pages = {name: pdf_pages(pdf_dir / f"sheet{i:02d}.pdf") for i, name in enumerate(names)}
    print("pages per sheet", pages, "whole workbook", pdf_pages(pdf_dir / "report.pdf"))
    assert pages.pop("目标进度") <= 2
    assert pages.pop("分县区指标") <= 4
    assert pages.pop("主要任务") <= 4
    assert pages == dict.fromkeys(pages, 1)
    assert pdf_pages(pdf_dir / "report.pdf") <= len(names) + 7

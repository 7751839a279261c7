import datetime as dt
import io
import zipfile

import pytest

from accounts.choices import Role
from tests import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def miit_user(db):
    """A staff member of 市工业和信息化局 (leads 二（一）, 二（二）2 …)."""
    return factories.make_user(Role.DEPARTMENT_USER, department_code="miit", username="miit")


@pytest.fixture
def czj_user(db):
    """市财政局: shares several tasks, leads none."""
    return factories.make_user(Role.DEPARTMENT_USER, department_code="czj", username="czj")


@pytest.fixture
def frozen_today(monkeypatch):
    """Pin 'today' (timezone.localdate / timezone.now) to a date inside 2025Q2: 2025Q1 is overdue."""
    from django.utils import timezone

    day = dt.date(2025, 5, 20)
    real_now = timezone.now

    def fake_now():
        return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))

    monkeypatch.setattr(timezone, "now", fake_now)
    yield day
    monkeypatch.setattr(timezone, "now", real_now)


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def xlsx_bytes(value="42") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode."

"""The quarterly workbook's 企业诉求 sheet: figures per handling department, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from accounts.models import Department
from reports import services
from reports.selectors import ReportScope
from support.models import EnterpriseRequest, RequestCategory

pytestmark = pytest.mark.django_db
D = dt.date


def make(enterprise, dept, **fields):
    return EnterpriseRequest.objects.create(
        enterprise=enterprise,
        county_id=enterprise.county_id,
        category=RequestCategory.objects.get(code="finance"),
        department=Department.objects.get(code=dept),
        description="测试",
        **fields,
    )


def test_support_sheet_by_hand(tmp_path, city_operator, taishan_enterprise):
    make(taishan_enterprise, "jrj", received_on=D(2026, 7, 1), accept_due=D(2026, 7, 2), reply_due=D(2026, 7, 8),
         close_due=D(2026, 7, 22), accepted_on=D(2026, 7, 2), replied_on=D(2026, 7, 6), closed_on=D(2026, 7, 10),
         days_to_close=9, status="closed", satisfaction="satisfied")  # fmt: skip
    make(taishan_enterprise, "jrj", received_on=D(2026, 8, 3), accept_due=D(2026, 8, 4), reply_due=D(2026, 8, 10),
         close_due=D(2026, 8, 24))  # fmt: skip
    make(taishan_enterprise, "swj", received_on=D(2026, 5, 1), accept_due=D(2026, 5, 6), reply_due=D(2026, 5, 12),
         close_due=D(2026, 5, 26))  # second quarter: not in the third quarter's sheet  # fmt: skip
    scope = ReportScope(user=city_operator, year=2026, quarter=3, generated_by="t", today=D(2026, 11, 27))
    path = tmp_path / "report.xlsx"
    services.report_write(scope=scope, output=str(path))
    ws = load_workbook(path)["企业诉求"]
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]
    # 市金融局: 2 requests; accepted in time 1 of 2 counted (the second is past its 4 Aug deadline) → 50 %;
    # closed on time 1 of 2 counted (the second is open past 24 Aug) → 50 %; 满意 1 of 1 rated → 100 %;
    # 9 days to close; 1 open, 1 overdue. The total row is the same (the 市商务局 request is of Q2).
    expected = [2, 0.5, 0.5, 1.0, 9.0, 1, 1]
    assert rows == [["市金融局", *expected], ["合计", *expected]]

"""List exports: what the page shows, with the same filters, scoped, audited, no query per row."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def workbook(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def body(ws):
    return [list(r) for r in ws.iter_rows(min_row=4, values_only=True)]


def test_enterprise_list_has_an_export_button_with_the_same_filters(client, city_operator, city):
    client.force_login(city_operator)
    html = client.get("/enterprises/", {"county": "440781", "tier": "innovative", "page": "1"}).content.decode()
    assert 'href="/reports/export/enterprises/?county=440781&amp;tier=innovative"' in html


def test_enterprise_export_equals_filtered_page(client, city_operator, city):
    client.force_login(city_operator)
    params = {"county": "440781", "tier": "innovative"}
    page = client.get("/enterprises/", params)
    shown = [e.name for e in page.context["enterprises"]]
    ws = workbook(client.get("/reports/export/enterprises/", params)).active
    assert [c.value for c in ws[3]][:5] == ["序号", "名称", "统一社会信用代码", "县（市、区）", "当前层级"]
    rows = body(ws)
    assert [r[1] for r in rows] == shown == [city["ts2"].name, city["ts4"].name]
    assert rows[0][0] == 1 and rows[0][3] == "台山市" and rows[0][4] == "创新型中小企业"
    assert "县（市、区）：台山市" in ws["A2"].value  # the filters are written above the table
    event = AuditLog.objects.get(category="security", action="export")
    assert event.actor == city_operator and "2" in event.message


def test_enterprise_export_masks_contacts_and_neutralises_formulas(client, city_operator, city):
    client.force_login(city_operator)
    ws = workbook(client.get("/reports/export/enterprises/", {"q": "HYPERLINK"})).active
    (row,) = body(ws)
    assert row[1] == city["ts1"].name
    name_cell = ws.cell(row=4, column=2)
    assert name_cell.data_type == "s" and name_cell.quotePrefix is True
    assert row[7] == "@*******"  # masked like the page; still text, never a formula
    assert ws.cell(row=4, column=8).data_type == "s"


def test_county_official_exports_only_her_county(client, taishan_official, city):
    client.force_login(taishan_official)
    for url, county_col in (
        ("/reports/export/enterprises/", 3),
        ("/reports/titles/export/", 3),
        ("/reports/statistics/export/", 3),
    ):
        rows = body(workbook(client.get(url)).active)
        assert rows and {r[county_col] for r in rows} == {"台山市"}, url
    # a filter naming another county is not a way around the scope
    response = client.get("/reports/export/enterprises/", {"county": "440783"})
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="export").count() == 3


def test_invalid_filter_redirects_with_message_and_exports_nothing(client, city_operator, city):
    client.force_login(city_operator)
    response = client.get("/reports/titles/export/", {"recognised_from": "not-a-date"}, follow=True)
    assert response.redirect_chain[0][0].startswith("/reports/titles/?")
    assert "未导出" in response.content.decode()
    assert not AuditLog.objects.filter(action="export").exists()


def test_admin_roles_cannot_export(client, system_admin, city):
    client.force_login(system_admin)
    for url in (
        "/reports/export/enterprises/",
        "/reports/titles/export/",
        "/reports/statistics/export/",
        "/reports/titles/",
        "/reports/statistics/",
    ):
        assert client.get(url).status_code == 403, url


def test_title_list_and_export_with_filters(client, city_operator, city):
    client.force_login(city_operator)
    params = {"tier": "innovative", "county": "440783"}
    page = client.get("/reports/titles/", params)
    assert page.status_code == 200
    html = page.content.decode()
    assert city["kp3"].name in html and city["ts2"].name not in html
    assert "/reports/titles/export/?tier=innovative&amp;county=440783" in html
    ws = workbook(client.get("/reports/titles/export/", params)).active
    rows = body(ws)
    assert [r[1] for r in rows] == [city["kp3"].name]
    assert rows[0][6] == dt.datetime(2024, 1, 16) and ws.cell(row=4, column=7).number_format == "yyyy-mm-dd"


def test_statistic_list_and_export_keep_numbers(client, city_operator, city):
    client.force_login(city_operator)
    params = {"year": "2026", "quarter": "3"}
    page = client.get("/reports/statistics/", params)
    assert page.status_code == 200 and city["kp1"].name in page.content.decode()
    ws = workbook(client.get("/reports/statistics/export/", params)).active
    header = [c.value for c in ws[3]]
    assert header[4] == "统计期" and len(header) == 5 + 8 + 6 + 2
    rows = {r[1]: r for r in body(ws)}
    assert set(rows) == {city["ts1"].name, city["kp1"].name}
    ts1 = rows[city["ts1"].name]
    assert ts1[4] == "2026Q3"
    assert ts1[5] == pytest.approx(12345.67) and ts1[8] == pytest.approx(-50.5)
    assert ws.cell(row=4, column=6).number_format == "#,##0.00"


def test_exports_do_not_query_per_row(client, city_operator, city, django_assert_max_num_queries):
    for i in range(40):
        e = factories.make_enterprise("440784", name=f"鹤山批量{i}")
        factories.make_title(e, "innovative", dt.date(2025, 7, 1))
        factories.make_statistic(e, 2026, 3, revenue=Decimal(i))
    client.force_login(city_operator)
    for url in ("/reports/export/enterprises/", "/reports/titles/export/", "/reports/statistics/export/"):
        with django_assert_max_num_queries(25):
            response = client.get(url)
            workbook(response)

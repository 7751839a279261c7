"""The quarterly report workbook, opened with openpyxl: sheets, headers, values against the
database, number formats, formula safety, scoping, and the goals sheet against the dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import translation
from openpyxl import load_workbook

from accounts.choices import Role
from enterprises.choices import TitleStatus
from enterprises.models import Enterprise, Tier
from enterprises.views import LadderView
from reports import services
from reports.selectors import ReportScope
from tests import factories

pytestmark = pytest.mark.django_db

SHEETS = [
    "封面",
    "目标进度",
    "分县区指标",
    "梯度培育",
    "称号到期与复核",
    "主要任务",
    "数据导入记录",
    "企业诉求",
    "服务专员覆盖",
    "扶持台账",
    "上市后备企业",
    "企业名录",  # the long roster last
]


def build(tmp_path, user, county=None, year=2026, quarter=3, name="report.xlsx"):
    path = tmp_path / name
    scope = ReportScope(
        user=user, year=year, quarter=quarter, county=county, generated_by=str(user), today=dt.date(2026, 11, 27)
    )
    result = services.report_write(scope=scope, output=str(path))
    return load_workbook(path), result


def rows(ws, first=1):
    return [list(r) for r in ws.iter_rows(min_row=first, values_only=True)]


def header(ws, row=2):
    return [c.value for c in ws[row]]


def test_sheets_cover_and_print_setup(tmp_path, city_operator, city):
    wb, result = build(tmp_path, city_operator)
    assert wb.sheetnames == SHEETS
    cover = {r[0]: r[1] for r in rows(wb["封面"]) if r and r[0]}
    assert cover["报告期"] == "2026年第三季度"
    assert cover["范围"] == "江门市（全市）"
    assert cover["数据截至"] == dt.datetime(2026, 9, 30)
    assert cover["生成人"] == str(city_operator)
    roster = wb["企业名录"]
    assert roster.freeze_panes == "A3"
    assert roster.print_title_rows == "$1:$2"
    assert roster.page_setup.orientation == "landscape"
    assert roster.page_setup.paperSize == 9
    assert roster.column_dimensions["C"].width == 30
    # every sheet prints fit to the page width (any number of pages down), A4, header rows repeated,
    # landscape where its columns are wider than a portrait page, at a readable scale: its columns
    # add up to at most 1.45 times the page (about 70 % or more)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
        pages_down = 1 if ws.title == "封面" else 0  # the cover is one page; the others as long as they are
        assert (setup.fitToWidth, setup.fitToHeight, setup.paperSize) == (1, pages_down, 9), ws.title
        width = sum(d.width for d in ws.column_dimensions.values() if d.width)
        page = 140 if setup.orientation == "landscape" else 95
        assert setup.orientation == ("landscape" if width > 95 else "portrait"), ws.title
        assert width <= 1.45 * page, (ws.title, width)
        if ws.title != "封面":
            assert ws.print_title_rows, ws.title


def test_roster_values_match_database_with_formats(tmp_path, city_operator, city):
    wb, result = build(tmp_path, city_operator)
    ws = wb["企业名录"]
    assert header(ws)[:6] == ["序号", "当前层级", "企业名称", "统一社会信用代码", "县（市、区）", "行业"]
    body = rows(ws, 3)
    assert len(body) == Enterprise.objects.count() == result["roster_rows"] == 7
    # highest tier first: national, then provincial, …; no valid title last
    tiers = {t.code: t.short_name for t in Tier.objects.all()}  # 国家级小巨人, 省级专精特新
    assert [r[1] for r in body[:3]] == [tiers["national"], tiers["provincial"], tiers["provincial"]]
    assert body[0][2] == city["kp1"].name
    assert body[-1][2] == city["ts3"].name and body[-1][1] == "无有效称号"
    by_name = {r[2]: (i, r) for i, r in enumerate(body, start=3)}
    i, ts1 = by_name[city["ts1"].name]
    assert ts1[3] == city["ts1"].credit_code and ts1[4] == "台山市"
    assert ts1[9] == Decimal("12345.67") or ts1[9] == pytest.approx(12345.67)
    assert ts1[11] == pytest.approx(-50.5)  # negative numbers stay numbers
    assert ts1[13] == pytest.approx(0.05)
    assert ts1[14] == 230
    assert ws.cell(row=i, column=10).number_format == "#,##0.00"
    assert ws.cell(row=i, column=10).data_type == "n"
    assert ws.cell(row=i, column=14).number_format == "0.0%"
    assert ws.cell(row=i, column=15).number_format == "#,##0"
    _, kp1 = by_name[city["kp1"].name]
    assert kp1[9] == pytest.approx(99999.99)
    _, ts2 = by_name[city["ts2"].name]
    assert ts2[9] is None  # not reported: empty, not zero


def test_text_that_looks_like_a_formula_is_text(tmp_path, city_operator, city):
    wb, _ = build(tmp_path, city_operator)
    ws = wb["企业名录"]
    cells = {c.value: c for row in ws.iter_rows(min_row=3) for c in row if isinstance(c.value, str)}
    name = city["ts1"].name
    assert name in cells
    assert cells[name].data_type == "s"
    assert cells[name].quotePrefix is True
    niche = cells["-2+3 轴承"]
    assert niche.data_type == "s" and niche.quotePrefix is True
    # no cell in the whole workbook is a formula
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)


def test_ladder_sheet_matches_database_and_ladder_page(tmp_path, city_operator, city, settings):
    wb, _ = build(tmp_path, city_operator)
    ws = wb["梯度培育"]
    head = [c.value for c in ws[3]]
    assert head[0] == "县（市、区）"
    assert head[1] == "国家级小巨人\n最高层级"
    body = {r[0]: r for r in rows(ws, 4)}
    # column order: per tier (national, provincial, municipal, innovative) current/holding/new/ended/net
    offset = {"national": 1, "provincial": 6, "municipal": 11, "innovative": 16}
    ts, kp, total = body["台山市"], body["开平市"], body["合计"]
    o = offset["innovative"]
    assert ts[o : o + 5] == [2, 2, 1, 1, 0]  # ts2 new, ts1's innovative title ended, ts4 still valid
    o = offset["municipal"]
    assert ts[o : o + 5] == [0, 0, 0, 1, -1]
    o = offset["provincial"]
    assert ts[o : o + 5] == [1, 1, 0, 0, 0]
    assert kp[offset["national"]] == 1 and kp[offset["provincial"] + 1] == 1  # under review stays valid
    assert ts[-1] == 1 and kp[-1] == 0 and total[-1] == 1
    assert total[offset["innovative"]] == 3
    # same numbers as the ladder page for the same date
    request = RequestFactory().get("/enterprises/ladder/", {"date": "2026-09-30"})
    request.user = city_operator
    request._messages = []
    view = LadderView()
    view.setup(request)
    context = view.get_context_data()
    for row in context["rows"]:
        o = offset[row["tier"].code]
        for county, current, holding in row["cells"]:
            assert body[county.name][o] == current
            assert body[county.name][o + 1] == holding


def test_titles_to_watch_sheet(tmp_path, city_operator, city):
    wb, _ = build(tmp_path, city_operator)
    ws = wb["称号到期与复核"]
    body = rows(ws, 3)
    names = [r[0] for r in body]
    assert names == [city["kp2"].name, city["ts4"].name, city["kp3"].name]  # soonest first
    kp2, ts4, kp3 = body
    with translation.override("zh-hans"):
        assert kp2[8] == str(TitleStatus.UNDER_REVIEW.label)
    assert ts4[7] == 61 and ts4[8] == "90天内到期"
    assert kp3[8] == "180天内到期"
    red = ws.cell(row=4, column=9).fill.fgColor.rgb
    amber = ws.cell(row=5, column=9).fill.fgColor.rgb
    assert red.endswith("FFC7CE") and amber.endswith("FFEB9C")


def test_missing_sources_say_data_not_yet_provided(tmp_path, city_operator, city, monkeypatch):
    # a sheet whose provider has no rows to give (None) says so; the report still builds
    for name in ("goal_rows", "county_rows", "task_rows", "import_rows"):
        monkeypatch.setattr(f"reports.services.providers.{name}", lambda scope: None)
    wb, _ = build(tmp_path, city_operator)
    for name in ("目标进度", "分县区指标", "主要任务", "数据导入记录"):
        assert rows(wb[name], 3)[0][0] == "数据尚未提供", name


@pytest.fixture
def fake_dashboard(monkeypatch):
    """A stand-in for ``targets.selectors.dashboard_rows`` as the report's providers call it."""
    calls = []

    def dashboard_rows(snapshot_or_date, county=None):
        calls.append((snapshot_or_date, county))
        factor = 1 if county is None else 0.5
        return [
            {
                "code": "G01",
                "name": "国家级专精特新“小巨人”企业（累计）",
                "unit": "家",
                "baseline": 24,
                "now": 30 * factor,
                "target": 48,
                "share_done": Decimal("0.25"),
                "share_time": Decimal("0.917"),
                "status": "behind",
                "status_label": "滞后",
            },
            {
                "code": "G02",
                "name": "=省级专精特新企业",
                "unit": "家",
                "baseline": 713,
                "value": 1300 * factor,
                "target": 1400,
                "share_done": 0.85,
                "share_time": 0.917,
                "status": "on_track",
                "status_label": "正常",
            },
        ]

    monkeypatch.setattr("reports.providers.dashboard_rows", dashboard_rows)
    return calls


def test_goals_sheet_equals_dashboard_rows_with_chart(tmp_path, city_operator, city, fake_dashboard):
    wb, _ = build(tmp_path, city_operator)
    ws = wb["目标进度"]
    # no indicator code column: the name is the label
    assert header(ws) == ["指标", "单位", "基数", "当前值", "2026年目标", "完成比例", "时间进度", "状态"]
    body = rows(ws, 3)
    assert body[0] == ["国家级专精特新“小巨人”企业（累计）", "家", 24, 30, 48, 0.25, 0.917, "滞后"]
    assert body[1][3] == 1300 and body[1][0] == "=省级专精特新企业"
    assert ws.cell(row=4, column=1).data_type == "s"
    assert [ws.cell(row=3, column=c).number_format for c in (3, 4, 5)] == ["#,##0"] * 3  # counts: no "24.00"
    assert ws.cell(row=3, column=6).number_format == "0.0%"
    assert ws.cell(row=3, column=8).fill.fgColor.rgb.endswith("FFC7CE")  # behind: red
    assert ws.cell(row=4, column=8).fill.fgColor.rgb.endswith("C6EFCE")  # on track: green
    assert len(ws._charts) == 1
    assert fake_dashboard[0] == (dt.date(2026, 9, 30), None)
    counties = rows(wb["分县区指标"], 3)
    assert len(counties) == 2 * 7
    assert counties[0][:2] == ["蓬江区", "国家级专精特新“小巨人”企业（累计）"] and counties[0][4] == 15
    assert "G01" not in {v for r in counties for v in r}


def test_county_official_report_contains_only_her_county(tmp_path, taishan_official, city, fake_dashboard):
    kaiping = factories.county("440783")
    wb, result = build(tmp_path, taishan_official, county=kaiping)  # asking for another county: hers anyway
    cover = {r[0]: r[1] for r in rows(wb["封面"]) if r and r[0]}
    assert cover["范围"] == "台山市"
    roster = rows(wb["企业名录"], 3)
    assert result["roster_rows"] == 4
    assert {r[4] for r in roster} == {"台山市"}
    assert {r[0] for r in rows(wb["梯度培育"], 4)} == {"台山市", "合计"}
    assert {r[2] for r in rows(wb["称号到期与复核"], 3)} == {"台山市"}
    assert {r[0] for r in rows(wb["分县区指标"], 3)} == {"台山市"}
    assert {c[1].code for c in fake_dashboard if c[1] is not None} == {"440781"}
    text = " ".join(str(v) for ws in wb.worksheets for r in rows(ws) for v in r if v is not None)
    for key in ("kp1", "kp2", "kp3"):
        assert city[key].name not in text and city[key].credit_code not in text


def test_city_report_for_one_county(tmp_path, city_operator, city):
    wb, result = build(tmp_path, city_operator, county=factories.county("440783"))
    assert result["roster_rows"] == 3
    assert {r[4] for r in rows(wb["企业名录"], 3)} == {"开平市"}


def test_role_without_business_access_gets_an_empty_report(tmp_path, db, city):
    admin = factories.make_user(Role.SYSTEM_ADMIN, username="sys2")
    wb, result = build(tmp_path, admin)
    assert result["roster_rows"] == 0
    assert rows(wb["梯度培育"], 4) == [["合计", *([0] * 21)]]


def test_report_queries_do_not_grow_with_enterprises(tmp_path, city_operator, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        build(tmp_path, city_operator)
    for i in range(30):
        factories.make_enterprise("440781", name=f"批量{i}")
    with CaptureQueriesContext(connection) as after:
        build(tmp_path, city_operator)
    # 40 before the requests, ledger and listing-pipeline sheets; the listing sheet reads 7 (programme,
    # indicators, entries, records, enterprises, titles, stage assumptions), none per row
    assert len(after.captured_queries) == len(before.captured_queries) <= 47


def test_key_tasks_sheet_shows_each_units_report_and_county_scope(tmp_path, city_operator, taishan_official, city):
    report = factories.make_report(
        "2-2-1",
        "2026Q3",
        county_code="440781",
        status="submitted",
        progress_percent=60,
        summary="组织申报省级工程技术研究中心3家",
    )
    factories.make_report("2-2-1", "2026Q3", county_code="440783", status="submitted", summary="开平的进展")
    wb, _ = build(tmp_path, city_operator)
    sheet = rows(wb["主要任务"], 3)
    mine = [r for r in sheet if r[2] == "台山市" and r[0] == report.task.number]
    assert len(mine) == 1 and mine[0][5] == 0.6 and mine[0][6] == "组织申报省级工程技术研究中心3家"
    assert any(r[2] == "市科技局" and r[3] in (True, "是") for r in sheet)  # the lead unit is marked
    wb, _ = build(tmp_path, taishan_official, name="county.xlsx")
    units = {r[2] for r in rows(wb["主要任务"], 3)}
    assert units == {"台山市"}
    assert "开平的进展" not in {r[6] for r in rows(wb["主要任务"], 3)}


def test_import_log_sheet_lists_the_quarters_imports_in_scope(tmp_path, city_operator, taishan_official, city):
    import datetime as _dt

    from django.utils import timezone

    from enterprises.models import StatisticImport

    def make(county_code, name, when):
        imp = StatisticImport.objects.create(
            requested_by=city_operator,
            county=factories.county(county_code),
            file_name=name,
            checksum="0" * 64,
            state="committed",
            row_count=10,
            new_count=4,
            changed_count=5,
            error_row_count=1,
        )
        StatisticImport.objects.filter(pk=imp.pk).update(created_at=timezone.make_aware(when))

    make("440781", "台山三季度.xlsx", _dt.datetime(2026, 8, 3, 9, 0))
    make("440783", "开平三季度.xlsx", _dt.datetime(2026, 8, 4, 9, 0))
    make("440781", "台山二季度.xlsx", _dt.datetime(2026, 5, 4, 9, 0))  # another quarter
    wb, _ = build(tmp_path, city_operator)
    files = [r[1] for r in rows(wb["数据导入记录"], 3)]
    assert files == ["台山三季度.xlsx", "开平三季度.xlsx"]
    first = rows(wb["数据导入记录"], 3)[0]
    assert first[5:9] == [10, 4, 5, 1]
    wb, _ = build(tmp_path, taishan_official, name="county.xlsx")
    assert [r[1] for r in rows(wb["数据导入记录"], 3)] == ["台山三季度.xlsx"]


def test_support_sheet_lists_the_quarters_grants_in_scope(tmp_path, city_operator, taishan_official, city):
    """Grants of 2026Q3 (the report's quarter): 台山 12.5 万元 on 08-03 and 开平 4 万元 on 09-30; a
    台山 grant of 06-30 (Q2) is left out; the 台山 official's report holds 台山's only."""
    from decimal import Decimal

    from accounts.models import Department
    from policies.models import SupportGrant, SupportType

    def grant(county_code, name, day, amount):
        return SupportGrant.objects.create(
            enterprise=factories.make_enterprise(county_code, name=name),
            policy_text="技改奖补",
            department=Department.objects.get(code="miit"),
            support_type=SupportType.objects.get(code="tech-upgrade"),
            amount=Decimal(amount),
            granted_on=day,
        )

    grant("440781", "台山扶持有限公司", dt.date(2026, 8, 3), "12.5")
    grant("440783", "开平扶持有限公司", dt.date(2026, 9, 30), "4")
    grant("440781", "台山二季度有限公司", dt.date(2026, 6, 30), "9")
    wb, _ = build(tmp_path, city_operator)
    sheet = rows(wb["扶持台账"], 3)
    assert [(r[1], r[3], r[7]) for r in sheet] == [
        ("台山扶持有限公司", "台山市", 12.5),
        ("开平扶持有限公司", "开平市", 4),
    ]
    wb, _ = build(tmp_path, taishan_official, name="county.xlsx")
    assert [r[1] for r in rows(wb["扶持台账"], 3)] == ["台山扶持有限公司"]


def test_goal_and_county_sheets_equal_the_dashboard_for_the_same_snapshot(tmp_path, city_operator, city):
    """With the real goals app on real rows: compute the 2026Q3 snapshot, then EVERY cell of the goals
    sheet and of the county sheet (code, name, unit, figures, status) equals what the dashboard
    selector (the dashboard pages' source) gives for that snapshot, row for row, in order."""
    from targets.models import Indicator, Plan
    from targets.selectors import dashboard_rows
    from targets.services import snapshot_compute

    as_of = dt.date(2026, 9, 30)
    snapshot_compute(plan=Plan.objects.get(), as_of=as_of)
    wb, _ = build(tmp_path, city_operator)

    def as_float(value):
        return None if value is None else round(float(value), 4)

    def cells(row):
        with translation.override("zh-hans"):
            label = str(row.status_label)
        # values of a "%" indicator are written as fractions (45.0 % is 0.45), shown as percentages
        scale = 100 if row.indicator.unit == "%" else 1
        values = [None if v is None else v / scale for v in (row.baseline, row.now, row.target)]
        return [
            row.indicator.name,
            row.indicator.unit,
            *map(as_float, (*values, row.share_done, row.share_time)),
            label,
        ]

    def sheet_cells(r):
        return [*r[:2], *map(as_float, r[2:7]), r[7]]

    expected = [cells(r) for r in dashboard_rows(as_of)]
    assert len(expected) == Indicator.objects.filter(is_active=True).count() == 16
    assert all(e[0] and e[1] for e in expected)  # names and units are never empty
    assert [sheet_cells(r) for r in rows(wb["目标进度"], 3)] == expected
    got = rows(wb["分县区指标"], 3)
    expected = []
    for place in factories.county("440781").parent.children.order_by("sort_order", "code"):
        expected += [[place.name, *cells(r)] for r in dashboard_rows(as_of, county=place)]
    assert len(expected) == 16 * 7
    assert [[r[0], *sheet_cells(r[1:])] for r in got] == expected


def test_goal_value_formats_follow_the_indicator(tmp_path, city_operator, city):
    """Counts (家, 个) print as integers, multiples (倍) with their 2 decimals, shares (%) as
    percentages with 1 decimal: the decimals and units declared in fixtures/reference/070_indicators.yaml."""
    from targets.models import Plan
    from targets.services import snapshot_compute

    snapshot_compute(plan=Plan.objects.get(), as_of=dt.date(2026, 9, 30))
    wb, _ = build(tmp_path, city_operator)
    ws = wb["目标进度"]
    expected = {"家": "#,##0", "个": "#,##0", "倍": "#,##0.00", "%": "0.0%"}
    seen = set()
    for row in ws.iter_rows(min_row=3, max_row=18):
        unit = row[1].value
        seen.add(unit)
        assert [c.number_format for c in row[2:5]] == [expected[unit]] * 3, row[0].value
        assert [c.number_format for c in row[5:7]] == ["0.0%", "0.0%"]
    assert seen == set(expected)


def test_cover_headline_figures_and_goals_at_risk(tmp_path, city_operator, city):
    """On the conftest city at 2026-09-30: national titles ever recognised: kp1 (开平); provincial:
    ts1 (台山) and kp2 (开平, under review, still valid). The city has 1 小巨人 against a baseline of
    24 and a goal of 48, and 2 省级 against 713 and 1,400: both at risk (share done 0, time elapsed
    1,004 of 1,096 days = 91.6 %: done ÷ time is 0, below the plan's at-risk ratio)."""
    from targets.models import Plan
    from targets.services import snapshot_compute

    snapshot_compute(plan=Plan.objects.get(), as_of=dt.date(2026, 9, 30))
    wb, _ = build(tmp_path, city_operator)
    cover = rows(wb["封面"])
    labels = [r[0] for r in cover]
    head_at = labels.index("主要指标") + 1
    head = cover[head_at]
    assert head[:5] == ["县（市、区）", "国家级小巨人", "国家级小巨人（有效）", "省级专精特新", "省级专精特新（有效）"]
    by_place = {r[0]: r for r in cover[head_at + 1 : head_at + 9]}
    assert list(by_place) == ["江门市（全市）", "蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"]
    assert by_place["江门市（全市）"][1:5] == [1, 1, 2, 2]
    assert by_place["开平市"][1:5] == [1, 1, 1, 1]
    assert by_place["台山市"][1:5] == [0, 0, 1, 1]
    assert by_place["蓬江区"][1:5] == [0, 0, 0, 0]
    ws = wb["封面"]
    assert ws.cell(row=head_at + 2, column=2).number_format == "#,##0"
    risk_at = labels.index("需关注的目标") + 1
    assert cover[risk_at][:6] == ["指标", "当前值", "2026年目标", "完成比例", "时间进度", "状态"]
    at_risk = {r[0]: r for r in cover[risk_at + 1 :] if r[0] and r[5] in ("进度滞后", "存在风险")}
    giants = at_risk["国家级小巨人"]
    assert giants[1:4] == [1, 48, 0] and giants[4] == pytest.approx(1004 / 1096, abs=0.0001)
    assert giants[5] == "存在风险"
    assert at_risk["省级专精特新"][1:3] == [2, 1400]
    assert ws.cell(row=risk_at + 2, column=4).number_format == "0.0%"
    # the sheets that follow are listed one per row, none cut off
    contents_at = labels.index("本报告工作表") + 1
    assert [r[0] for r in cover[contents_at : contents_at + len(SHEETS) - 1]] == SHEETS[1:]
    assert all(cover[i][1] for i in range(contents_at, contents_at + 10))


def test_goal_chart_is_labelled_and_points_at_the_table(tmp_path, city_operator, city):
    from targets.models import Plan
    from targets.services import snapshot_compute

    snapshot_compute(plan=Plan.objects.get(), as_of=dt.date(2026, 9, 30))
    wb, _ = build(tmp_path, city_operator)
    ws = wb["目标进度"]
    (chart,) = ws._charts
    assert chart.title.tx.rich.p[0].r[0].t == "完成进度与时间进度"
    assert chart.x_axis.title.tx.rich.p[0].r[0].t == "指标"
    assert chart.y_axis.title.tx.rich.p[0].r[0].t == "比例"
    assert chart.x_axis.delete is False and chart.y_axis.delete is False  # both axes shown
    # 16 goals on rows 3-18: categories are the indicator names (A3:A18), the series the two share
    # columns (F, G) with their headers as titles
    series = chart.series
    assert [s.tx.strRef.f.replace("$", "") for s in series] == ["'目标进度'!F2", "'目标进度'!G2"]
    assert [s.val.numRef.f for s in series] == ["'目标进度'!$F$3:$F$18", "'目标进度'!$G$3:$G$18"]
    refs = {s.cat.strRef.f if s.cat.strRef is not None else s.cat.numRef.f for s in series}
    assert refs == {"'目标进度'!$A$3:$A$18"}
    assert ws["A3"].value == "国家级专精特新“小巨人”企业（累计培育）"
    # the chart sits below the table (not beside it, where it would shrink the printed table)
    assert chart.anchor._from.row >= 18 and chart.anchor._from.col == 0

"""The read-only goals, tasks and import-status endpoints: what each key sees (county keys: their
county only, no city totals for progress), the filters, and no query per row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.scoping import CHANGE, VIEW
from tasks.models import ProgressReport, report_filter
from tests import factories

pytestmark = pytest.mark.django_db

TAISHAN, KAIPING = "440781", "440783"
D1, D2 = dt.date(2025, 3, 31), dt.date(2025, 6, 30)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def progress():
    """Two snapshots (the later one is the latest) with city, 台山 and 开平 values of two indicators."""
    rows = {}
    for as_of, base in ((D1, 10), (D2, 20)):
        for code in ("national-giants", "provincial-srdi"):
            for county in (None, TAISHAN, KAIPING):
                rows[as_of, code, county] = factories.make_snapshot_value(
                    county,
                    as_of=as_of,
                    indicator_code=code,
                    value=base + (1 if county == TAISHAN else 0),
                    target=100,
                    share_done="0.2",
                    status="behind",
                )
    return rows


def indicator(rows, code):
    return next(r for r in rows if r["code"] == code)


def test_indicator_latest_for_a_city_wide_key(read_api, progress):
    rows = results(read_api.client.get("/api/v1/indicators/", {"page_size": 1000}))
    giants = indicator(rows, "national-giants")
    assert giants["lead_department"] and giants["milestones"] and giants["unit"]
    latest = giants["latest"]
    assert latest["as_of"] == D2.isoformat()
    assert latest["city"]["county"] is None and float(latest["city"]["value"]) == 20
    assert giants["completion_rule"] == "gain"
    assert (latest["city"]["period"], latest["city"]["compared"], latest["city"]["left_out"]) == ("", None, None)
    assert [c["county"] for c in latest["counties"]] == [TAISHAN, KAIPING]
    assert float(latest["counties"][0]["value"]) == 21 and latest["counties"][0]["status"] == "behind"
    # an indicator without values in the latest snapshot: an empty block, not another snapshot's values
    listings = indicator(rows, "listings")["latest"]
    assert listings["city"] is None and listings["counties"] == []
    detail = read_api.client.get(f"/api/v1/indicators/{giants['id']}/").json()
    assert detail == giants


def test_indicator_latest_for_a_county_key_shows_only_its_county(taishan_api, progress):
    latest = indicator(results(taishan_api.client.get("/api/v1/indicators/")), "national-giants")["latest"]
    assert latest["city"] is None  # city totals are not shown to a county-limited client
    assert [c["county"] for c in latest["counties"]] == [TAISHAN]


def test_indicator_latest_is_null_before_the_first_snapshot(read_api):
    rows = results(read_api.client.get("/api/v1/indicators/"))
    assert rows and all(r["latest"] is None for r in rows)


def test_indicator_list_queries_do_not_grow_with_indicators(read_api, progress):
    read_api.client.get("/api/v1/indicators/")
    with CaptureQueriesContext(connection) as small:
        assert len(results(read_api.client.get("/api/v1/indicators/", {"page_size": 2}))) == 2
    with CaptureQueriesContext(connection) as large:
        assert len(results(read_api.client.get("/api/v1/indicators/", {"page_size": 1000}))) > 10
    assert len(large.captured_queries) == len(small.captured_queries)


def test_progress_history_filters(read_api, progress):
    http = read_api.client
    rows = results(http.get("/api/v1/progress/", {"indicator": "national-giants", "county": TAISHAN}))
    assert [(r["as_of"], float(r["value"])) for r in rows] == [(D1.isoformat(), 11), (D2.isoformat(), 21)]
    city = results(http.get("/api/v1/progress/", {"indicator": "national-giants", "county": "city"}))
    assert [r["county"] for r in city] == [None, None]
    later = results(http.get("/api/v1/progress/", {"as_of_from": "2025-04-01"}))
    assert len(later) == 6 and {r["as_of"] for r in later} == {D2.isoformat()}
    earlier = results(http.get("/api/v1/progress/", {"as_of_to": "2025-04-01"}))
    assert {r["as_of"] for r in earlier} == {D1.isoformat()}
    assert http.get("/api/v1/progress/", {"as_of_from": "not a date"}).status_code == 400


def test_progress_history_for_a_county_key(taishan_api, progress):
    http = taishan_api.client
    rows = results(http.get("/api/v1/progress/", {"page_size": 1000}))
    assert len(rows) == 4 and {r["county"] for r in rows} == {TAISHAN}
    assert results(http.get("/api/v1/progress/", {"county": KAIPING})) == []
    assert results(http.get("/api/v1/progress/", {"county": "city"})) == []
    assert http.get(f"/api/v1/progress/{progress[D2, 'national-giants', None].pk}/").status_code == 404
    assert http.get(f"/api/v1/progress/{progress[D2, 'national-giants', KAIPING].pk}/").status_code == 404


def test_tasks_list_units_in_order_with_the_lead(read_api):
    rows = results(read_api.client.get("/api/v1/tasks/", {"code": "2-2-1"}))
    assert len(rows) == 1
    task = rows[0]
    assert task["number"] == "二（二）1" and task["measures"] and task["indicator_codes"]
    assert [u["department"] for u in task["units"]] == ["kjj", "miit", "fgj", "czj"]
    assert [u["is_lead"] for u in task["units"]] == [True, False, False, False]
    led_by_miit = results(read_api.client.get("/api/v1/tasks/", {"department": "miit", "page_size": 1000}))
    assert "2-2-1" in {t["code"] for t in led_by_miit}


def test_api_client_report_scope(read_api, taishan_api):
    """``report_filter`` for API clients: a city-wide key reads every report, a county key its county's
    only (no department report, no other county); neither may write reports."""
    dept = factories.make_report("2-2-1", "2025Q1", department_code="kjj")
    mine = factories.make_report("2-2-1", "2025Q1", county_code=TAISHAN)
    other = factories.make_report("2-2-1", "2025Q1", county_code=KAIPING)
    everyone = set(ProgressReport.objects.for_user(read_api.api_client.user, VIEW))
    assert everyone == {dept, mine, other}
    assert set(ProgressReport.objects.for_user(taishan_api.api_client.user, VIEW)) == {mine}
    assert report_filter(taishan_api.api_client.user, CHANGE) is None
    assert report_filter(read_api.api_client.user, CHANGE) is None
    assert {r["id"] for r in results(taishan_api.client.get("/api/v1/progress-reports/"))} == {mine.pk}
    assert taishan_api.client.get(f"/api/v1/progress-reports/{dept.pk}/").status_code == 404
    assert {r["id"] for r in results(read_api.client.get("/api/v1/progress-reports/"))} == {dept.pk, mine.pk, other.pk}


def test_progress_report_filters(read_api):
    dept = factories.make_report("2-2-1", "2025Q1", department_code="kjj", status="accepted", progress_percent=80)
    mine = factories.make_report("2-2-1", "2025Q1", county_code=TAISHAN, status="submitted")
    later = factories.make_report("2-2-2", "2025Q2", county_code=TAISHAN)
    http = read_api.client

    def ids(**params):
        return {r["id"] for r in results(http.get("/api/v1/progress-reports/", params))}

    assert ids(task="2-2-1") == {dept.pk, mine.pk}
    assert ids(period="2025Q2") == {later.pk}
    assert ids(county=TAISHAN) == {mine.pk, later.pk}
    assert ids(department="kjj") == {dept.pk}
    assert ids(status="accepted") == {dept.pk}
    ProgressReport.objects.filter(pk=later.pk).update(updated_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert ids(updated_since="2029-12-31T00:00:00Z") == {later.pk}
    assert http.get("/api/v1/progress-reports/", {"status": "nonsense"}).status_code == 400
    row = http.get(f"/api/v1/progress-reports/{dept.pk}/").json()
    assert row["task"] == "2-2-1" and row["department"] == "kjj" and row["county"] is None
    assert row["progress_percent"] == 80 and row["kind"] == "consolidated"


def test_statistics_imports_status(read_api, taishan_api):
    city = factories.make_statistic_import(None)
    mine = factories.make_statistic_import(TAISHAN)
    other = factories.make_statistic_import(KAIPING, state="committed")
    assert {r["id"] for r in results(read_api.client.get("/api/v1/statistics-imports/"))} == {
        city.pk,
        mine.pk,
        other.pk,
    }
    # a county key: its county's uploads only (a city-wide upload is not its county's)
    assert {r["id"] for r in results(taishan_api.client.get("/api/v1/statistics-imports/"))} == {mine.pk}
    assert taishan_api.client.get(f"/api/v1/statistics-imports/{city.pk}/").status_code == 404
    row = read_api.client.get(f"/api/v1/statistics-imports/{mine.pk}/").json()
    assert row["uploaded_by"] == mine.requested_by.username and row["county"] == TAISHAN
    assert row["periods"] == ["2024Q1"] and row["new_count"] == 2 and row["status"] == "succeeded"
    assert "errors" not in row and "file" not in row
    assert [r["id"] for r in results(read_api.client.get("/api/v1/statistics-imports/", {"state": "committed"}))] == [
        other.pk
    ]
    assert results(read_api.client.get("/api/v1/statistics-imports/", {"county": KAIPING}))[0]["id"] == other.pk

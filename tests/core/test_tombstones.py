"""Every deletion leaves a tombstone (issue 19): a user's delete and its cascades
(``scoped_delete``), and deletions that are no user's edit (``core.services.delete_with_tombstones``:
a recompute replacing the snapshot values ``/api/v1/progress/`` lists, task units replaced). A
county key reads only its county's tombstones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Role
from core.models import DeletedRecord
from core.services import delete_with_tombstones, scoped_delete
from enterprises.models import Enterprise, Tag
from targets import services as target_services
from targets.models import Plan, SnapshotValue
from tests import factories
from tests.api.conftest import keyed

pytestmark = pytest.mark.django_db


def tombstones(model: str) -> list[tuple[int, str | None]]:
    return sorted(
        (row.object_id, row.county.code if row.county else None) for row in DeletedRecord.objects.filter(model=model)
    )


def test_a_deleted_enterprise_leaves_tombstones_for_it_and_its_titles():
    enterprise = factories.make_enterprise("440781")
    titles = [
        factories.make_title(enterprise, "innovative", dt.date(2023, 7, 1)),
        factories.make_title(enterprise, "municipal", dt.date(2024, 7, 1)),
    ]
    kept = factories.make_title(factories.make_enterprise("440783"), "innovative", dt.date(2024, 7, 1))
    enterprise.tags.set(Tag.objects.all()[:2])  # the links go with the row: no tombstones of their own
    operator = factories.make_user(Role.CITY_OPERATOR, department_code="miit")
    scoped_delete(actor=operator, instance=enterprise)
    assert tombstones("enterprises.enterprise") == [(enterprise.pk, "440781")]
    # the cascade: both titles, with the county they had (台山); the other county's title stays
    assert tombstones("enterprises.title") == sorted((t.pk, "440781") for t in titles)
    assert Enterprise.objects.filter(pk=enterprise.pk).count() == 0
    assert DeletedRecord.objects.filter(object_id=kept.pk, model="enterprises.title").count() == 0
    assert set(DeletedRecord.objects.values_list("model", flat=True)) == {"enterprises.enterprise", "enterprises.title"}


def test_deleting_many_rows_takes_a_few_queries_not_one_per_row():
    def queries_to_delete(n: int) -> int:
        enterprises = [factories.make_enterprise("440781") for _ in range(n)]
        for enterprise in enterprises:
            factories.make_title(enterprise, "innovative", dt.date(2024, 7, 1))
        with CaptureQueriesContext(connection) as captured:
            delete_with_tombstones(Enterprise.objects.filter(pk__in=[e.pk for e in enterprises]))
        return len(captured.captured_queries)

    # the same number of queries for 2 enterprises (+2 titles) as for 6 (+6): a cost per model, not per row
    assert queries_to_delete(2) == queries_to_delete(6)
    assert len(tombstones("enterprises.enterprise")) == 8 and len(tombstones("enterprises.title")) == 8


def test_a_recompute_that_replaces_snapshot_values_leaves_tombstones_for_the_old_ones():
    # Two stored values (city and 台山) of a snapshot the recompute then replaces.
    old_city = factories.make_snapshot_value(None, as_of=dt.date(2024, 6, 30))
    old_taishan = factories.make_snapshot_value("440781", as_of=dt.date(2024, 6, 30))
    target_services.snapshot_compute(plan=Plan.objects.get(), as_of=dt.date(2024, 6, 30))
    assert not SnapshotValue.objects.filter(pk__in=[old_city.pk, old_taishan.pk]).exists()
    assert tombstones("targets.snapshotvalue") == sorted([(old_city.pk, None), (old_taishan.pk, "440781")])


def test_county_keys_read_the_tombstones_of_their_county_only():
    taishan_api = keyed("台山市县区系统", county="440781")
    old_city = factories.make_snapshot_value(None, as_of=dt.date(2024, 6, 30))
    old_taishan = factories.make_snapshot_value("440781", as_of=dt.date(2024, 6, 30))
    old_kaiping = factories.make_snapshot_value("440783", as_of=dt.date(2024, 6, 30))
    delete_with_tombstones(SnapshotValue.objects.filter(pk__in=[old_city.pk, old_taishan.pk, old_kaiping.pk]))
    rows = taishan_api.client.get("/api/v1/deletions/", {"model": "targets.snapshotvalue"}).json()["results"]
    assert [row["object_id"] for row in rows] == [old_taishan.pk]

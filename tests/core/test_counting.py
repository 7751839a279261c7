"""List counts cached until the data changes (``core.counting``, issue 17: "make the total count
cheap"). The counts are committed data, so these tests commit (``transaction=True``); the cache is
PostgreSQL's only (triggers), so they are skipped on SQLite, where every count is computed."""

from __future__ import annotations

import io

import psycopg2
import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditLog, Place
from core.counting import (
    PRUNE_AT,
    TRIGGER,
    cached_count,
    data_generation,
    install_triggers,
    prune_data_changes,
    unwatched_tables,
)
from enterprises.models import Enterprise, Tag
from tests import factories
from tests.api.conftest import keyed

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the data generation is PostgreSQL triggers"),
]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.COUNT_CACHE_SECONDS = 300
    cache.clear()


def _count_queries(captured) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)"))


def _token() -> str | None:
    return data_generation(Enterprise.objects.all())


def _other_connection():
    params = connection.get_connection_params()
    return psycopg2.connect(**{k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}})


def test_the_second_count_reads_the_generation_only(django_assert_num_queries):
    for code in ("440781", "440781", "440783"):
        factories.make_enterprise(code)
    taishan = Enterprise.objects.filter(county__code="440781")
    with django_assert_num_queries(2) as first:  # the generation, then the count
        assert cached_count(taishan) == 2
    with django_assert_num_queries(1) as second:  # the generation; the count is the cached one
        assert cached_count(taishan) == 2
    assert (_count_queries(first), _count_queries(second)) == (1, 0)
    # another filter is another entry
    assert cached_count(Enterprise.objects.filter(county__code="440783")) == 1


def test_every_kind_of_write_renews_the_count():
    kaiping = Place.objects.get(code="440783")
    factories.make_enterprise("440781")
    everyone = Enterprise.objects.all()
    in_kaiping = Enterprise.objects.filter(county=kaiping)
    assert (cached_count(everyone), cached_count(in_kaiping)) == (1, 0)

    made = factories.make_enterprise("440783")  # save()
    assert (cached_count(everyone), cached_count(in_kaiping)) == (2, 1)

    Enterprise.objects.filter(pk=made.pk).update(county=Place.objects.get(code="440781"))  # UPDATE, no signal
    assert (cached_count(everyone), cached_count(in_kaiping)) == (2, 0)

    Enterprise.objects.filter(pk=made.pk).delete()
    assert (cached_count(everyone), cached_count(in_kaiping)) == (1, 0)

    # raw SQL and COPY (the imports' bulk paths) bypass the ORM and its signals altogether
    tags = Tag.objects.all()
    before = cached_count(tags)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enterprises_tag (code, name, kind, sort_order, note) "
            "VALUES ('raw-sql', '原始语句', 'cluster', 90, '')"
        )
    assert cached_count(tags) == before + 1
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY enterprises_tag (code, name, kind, sort_order, note) FROM STDIN",
            io.StringIO("copied\t批量复制\tcluster\t91\t\n"),
        )
    assert cached_count(tags) == before + 2


def test_a_write_is_counted_when_it_commits_not_before():
    factories.make_enterprise("440781")
    everyone = Enterprise.objects.all()
    assert cached_count(everyone) == 1
    token = _token()
    other = _other_connection()
    try:
        with other.cursor() as cursor:  # psycopg2 opens a transaction: the insert is not committed yet
            cursor.execute("DELETE FROM enterprises_enterprise")  # not committed yet
        assert _token() == token  # nothing committed: same generation, the cached count stands
        assert cached_count(everyone) == 1
        other.commit()
    finally:
        other.close()
    assert _token() != token
    assert cached_count(everyone) == 0


def test_two_writers_never_wait_for_each_other():
    """The generation is rows added, never a row updated: two open transactions that both change
    data do not block (a shared counter row would make the second wait for the first's commit)."""
    first, second = _other_connection(), _other_connection()
    try:
        for conn, code in ((first, "first"), (second, "second")):
            with conn.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    "INSERT INTO enterprises_tag (code, name, kind, sort_order, note) VALUES (%s, %s, 'cluster', 1, '')",
                    [code, code],
                )
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()
    assert cached_count(Tag.objects.filter(code__in=["first", "second"])) == 2


def test_pruning_keeps_the_counts_right_and_the_table_small():
    factories.make_enterprise("440781")
    everyone = Enterprise.objects.all()
    assert cached_count(everyone) == 1
    token = _token()
    assert prune_data_changes() >= 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_datachange")
        assert cursor.fetchone()[0] == 1
    assert _token() not in (None, token)  # a new generation: counted again, same figure
    assert cached_count(everyone) == 1
    factories.make_enterprise("440781")
    assert cached_count(everyone) == 2
    # past PRUNE_AT rows, a read on the primary prunes them
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_datachange (token, changed_at) SELECT gen_random_uuid(), now() FROM generate_series(1, %s)",
            [PRUNE_AT + 1],
        )
    assert cached_count(everyone) == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_datachange")
        assert cursor.fetchone()[0] == 1


def test_a_transaction_that_wrote_counts_its_own_rows():
    factories.make_enterprise("440781")
    everyone = Enterprise.objects.all()
    assert cached_count(everyone) == 1
    with transaction.atomic():
        factories.make_enterprise("440781")
        assert cached_count(everyone) == 2  # not the cached 1: inside a transaction nothing is cached
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('portal.data_changed', true)")
            assert cursor.fetchone()[0] == "1"
    assert cached_count(everyone) == 2


def test_a_query_over_an_unwatched_table_is_never_cached(django_assert_num_queries):
    AuditLog.objects.all().count()
    with django_assert_num_queries(1):  # the count itself each time: no generation read, no cache
        cached_count(AuditLog.objects.all())
    with django_assert_num_queries(1):
        cached_count(AuditLog.objects.all())


def test_every_business_table_has_the_trigger_and_logs_do_not():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE staging_rows (n integer)")  # an import's staging table: never watched
        try:
            assert install_triggers("default") == []  # installed after migrate (and after each flush)
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE tgname = %s", [TRIGGER]
            )
            watched = {row[0] for row in cursor.fetchall()}
            tables = set(connection.introspection.table_names(cursor)) - {"staging_rows"}
        finally:
            cursor.execute("DROP TABLE pg_temp.staging_rows")
    assert {
        "enterprises_enterprise",
        "enterprises_title",
        "enterprises_statistic",
        "enterprises_enterprise_tags",
    } <= watched
    assert {"accounts_auditlog", "django_session", "reports_reportjob", "core_datachange"} <= unwatched_tables()
    assert watched == tables - unwatched_tables()


def test_the_api_count_is_cached_and_follows_writes():
    read_api = keyed("数据平台（只读）")
    for code in ("440781", "440783", "440785"):
        factories.make_enterprise(code)
    http = read_api.client
    assert http.get("/api/v1/enterprises/", {"page_size": 2}).json()["count"] == 3
    with CaptureQueriesContext(connection) as again:
        body = http.get("/api/v1/enterprises/", {"page_size": 2, "page": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 1
    assert _count_queries(again) == 0
    factories.make_enterprise("440703")
    assert http.get("/api/v1/enterprises/", {"page_size": 2}).json()["count"] == 4


def test_the_ladder_is_cached_and_follows_a_new_title(django_assert_num_queries):
    import datetime as dt

    from enterprises.models import Tier

    on = dt.date(2026, 6, 30)
    taishan = Place.objects.get(code="440781")
    tiers = {tier.code: tier.pk for tier in Tier.objects.all()}
    enterprise = factories.make_enterprise("440781")
    factories.make_enterprise("440781")  # no title
    factories.make_title(enterprise, "innovative", dt.date(2025, 3, 1))
    current, holding = Enterprise.objects.tier_counts(on)
    assert current == {(taishan.pk, tiers["innovative"]): 1, (taishan.pk, None): 1}
    with django_assert_num_queries(3):  # the tiers, then a generation read for each cached result
        assert Enterprise.objects.tier_counts(on)[0] == current
    factories.make_title(enterprise, "provincial", dt.date(2026, 1, 10))
    current, holding = Enterprise.objects.tier_counts(on)
    assert current == {(taishan.pk, tiers["provincial"]): 1, (taishan.pk, None): 1}
    assert holding == {(taishan.pk, tiers["innovative"]): 1, (taishan.pk, tiers["provincial"]): 1}


def test_the_nightly_job_prunes_only_a_pile_of_change_rows():
    """core.prune_data_changes (beat, each night): with at most PRUNE_NIGHTLY_OVER (100) change rows
    it leaves them (and the cached counts) alone; with more it leaves one new row."""
    from core.tasks import prune_data_changes as nightly

    def change_rows(n):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_datachange")
            cursor.execute(
                "INSERT INTO core_datachange (token, changed_at) SELECT gen_random_uuid(), now() FROM generate_series(1, %s)",
                [n],
            )

    def left():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_datachange")
            return cursor.fetchone()[0]

    change_rows(100)
    token = _token()
    assert nightly.delay().get() == 0
    assert left() == 100 and _token() == token
    change_rows(101)
    assert nightly.delay().get() == 101
    assert left() == 1 and _token() not in (None, token)

"""Property-based run of the whole API against its own OpenAPI schema (Schemathesis, in-process via
the WSGI app) with every check (``--checks all``): no server error; every response matches the schema
(bodies, status codes, content types, headers); requests the schema calls invalid are refused and
requests it calls valid are accepted; unsupported methods, missing authentication and deleted
resources answer as documented. Bounded (a few examples per operation) so that it stays short in CI.

One allowance, on writes only: a schema-valid body may still break a domain rule the schema cannot
state (a title needs the rung below on its date, a credit code's check digit, an enterprise id that
must exist in the key's scope), so POST/PUT/PATCH may answer 400 to positive data; the 400 must still
carry the error body (response schema conformance)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from jiangmen_portal.wsgi import application
from tests import factories

from .conftest import keyed

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

MAX_EXAMPLES = 15
CONFIG = """
[[operations]]
include-method-regex = "^(POST|PUT|PATCH)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "412", "428", "429"]
"""


@pytest.fixture(scope="module", autouse=True)
def _reference_data_once(django_db_setup, django_db_blocker):
    """Load reference data outside the per-case transactions (else every generated case reloads it)."""
    from django.core.management import call_command

    from enterprises.models import Tier

    with django_db_blocker.unblock():
        if not Tier.objects.exists():
            call_command("load_reference_data", verbosity=0)


@pytest.fixture
def api_key(db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    for county in ("440781", "440783"):  # a few rows, so generated ids sometimes hit one
        enterprise = factories.make_enterprise(county)
        factories.make_title(enterprise, "innovative", dt.date(2024, 7, 1))
        factories.make_statistic(enterprise, 2024, 1, revenue=10)
    from django.core import signals
    from django.db import close_old_connections

    from core.api import ApiClientRateThrottle

    # Requests go through the real WSGI handler, whose request_started/finished signals would close
    # the test transaction's connection (Django's test client disconnects them the same way).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    saved = ApiClientRateThrottle.THROTTLE_RATES
    ApiClientRateThrottle.THROTTLE_RATES = {"api_client": "100000/minute"}
    try:
        yield keyed("Schemathesis", write=True).key
    finally:
        ApiClientRateThrottle.THROTTLE_RATES = saved
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _load_schema():
    """The schema exactly as ``/api/v1/schema/`` serves it (generated in-process: serving it needs a
    key, hence the database, which collection may not use; ``from_fixture`` is broken under pytest 9)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(OpenApiJsonRenderer().render(document)), config=SchemathesisConfig.from_str(CONFIG)
    )
    loaded.app = application  # calls go to the WSGI app in-process
    # Fuzzing only (positive and negative data), bounded by max_examples; the exhaustive coverage
    # phase would take minutes.
    loaded.config.phases.coverage.enabled = False
    return loaded


schema = _load_schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, api_key):
    case.call_and_validate(headers={"X-API-Key": api_key})

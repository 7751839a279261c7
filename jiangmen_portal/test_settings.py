"""Settings for the test suite: the normal settings with ``TESTING`` on (database and broker still
come from the environment, so CI runs the same suite against PostgreSQL and Redis)."""

import os

os.environ.setdefault("TESTING", "1")
os.environ.setdefault("DEBUG", "0")  # a development .env may turn DEBUG on; tests run as production does

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only

# Tests log users in with ``client.force_login`` (no second factor). The OTP requirement for the
# administrator roles is switched on explicitly by the tests that prove it (tests/security/).
OTP_REQUIRED_ROLES = list[str]()
# targets: no recompute after every save in tests (tests that check it turn it on).
TARGETS_RECOMPUTE_ON_CHANGE = False
# Embedded mode: no background recompute thread in tests (they see the test's transaction only in
# their own thread); a test runs what is pending with ``targets.embedded.runner.flush()``.
TARGETS_RECOMPUTE_BACKGROUND = False
# tests/core/test_db_router.py: a real streaming replica (.ci/run starts one). The alias mirrors the
# test database while the test databases are set up; the test points it at the replica server.
if os.environ.get("TEST_DATABASE_REPLICA_URL"):
    DATABASES["replica"] = env.db("TEST_DATABASE_REPLICA_URL")  # noqa: F405
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # noqa: F405

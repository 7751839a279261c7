#!/usr/bin/env bash
# Quick start, command 2: run the test suite (extra arguments go to pytest).
# The worker run stays in one process: two workers on one broker would take each other's jobs.
# Uses DATABASE_URL when set (CI: PostgreSQL), else SQLite. Tasks run eagerly in the main run;
# when CELERY_TEST_BROKER_URL is set (CI: Redis) a second run executes the tests marked
# celery_worker against a real Celery worker and that broker (first, so the summary of the
# main run closes the output).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh requirements-dev.txt
set +e
ok() { [ "$1" -eq 0 ] || [ "$1" -eq 5 ]; }  # 5: pytest collected no test for this selection
worker=5
if [ -n "${CELERY_TEST_BROKER_URL:-}" ]; then
  echo "--- tests with a real Celery worker (broker ${CELERY_TEST_BROKER_URL}) ---"
  CELERY_BROKER_URL="$CELERY_TEST_BROKER_URL" .venv/bin/python -m pytest -m celery_worker "$@"
  worker=$?
  echo "--- all other tests (tasks run eagerly) ---"
fi
# The main run is spread over CPU cores (pytest-xdist; PYTEST_WORKERS=0 runs it in one process)
# and measures branch coverage: the services and selectors are reported, with the floor set in
# pyproject.toml ([tool.coverage.report] fail_under). The floor is for the whole suite: for a
# selection of tests add --no-cov.
workers="${PYTEST_WORKERS:-auto}"
xdist=()
[ "$workers" != "0" ] && xdist=(-n "$workers")
env -u CELERY_BROKER_URL .venv/bin/python -m pytest -m "not celery_worker" "${xdist[@]}" --cov --cov-report=term "$@"
main=$?
if ok "$main" && ok "$worker"; then
  [ "$main" -eq 5 ] && [ "$worker" -eq 5 ] && { echo "no tests were collected" >&2; exit 5; }
  exit 0
fi
[ "$main" -ne 0 ] && [ "$main" -ne 5 ] && exit "$main"
exit "$worker"

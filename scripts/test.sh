#!/usr/bin/env bash
# Quick start, command 2: run the test suite (extra arguments go to pytest).
# The worker run stays in one process: two workers on one broker would take each other's jobs.
# Uses DATABASE_URL when set (CI: PostgreSQL), else SQLite. Tasks run eagerly in the main run;
# when CELERY_TEST_BROKER_URL is set (CI: Redis) a second run executes the tests marked
# celery_worker against a real Celery worker and that broker (first, so the summary of the
# main run closes the output). The browser tests (Chromium) run next, in one process of their
# own: they assert each page's server time (issue 20), which is only meaningful on a machine not
# also busy with the other tests.
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
fi
echo "--- browser tests (headless Chromium, one process) ---"
env -u CELERY_BROKER_URL .venv/bin/python -m pytest -m "browser and not celery_worker" --cov --cov-report= --cov-fail-under=0 "$@"
browser=$?
echo "--- all other tests (tasks run eagerly) ---"
# The main run is spread over CPU cores (pytest-xdist; PYTEST_WORKERS=0 runs it in one process)
# and measures branch coverage: the services and selectors are reported, with the floor set in
# pyproject.toml ([tool.coverage.report] fail_under), added to the browser run's (--cov-append).
# The floor is for the whole suite: for a selection of tests add --no-cov.
workers="${PYTEST_WORKERS:-auto}"
xdist=()
[ "$workers" != "0" ] && xdist=(-n "$workers")
env -u CELERY_BROKER_URL .venv/bin/python -m pytest -m "not celery_worker and not browser" "${xdist[@]}" --cov --cov-append --cov-report=term "$@"
main=$?
if ok "$main" && ok "$worker" && ok "$browser"; then
  [ "$main" -eq 5 ] && [ "$worker" -eq 5 ] && [ "$browser" -eq 5 ] && { echo "no tests were collected" >&2; exit 5; }
  exit 0
fi
for status in "$main" "$browser" "$worker"; do
  ok "$status" || exit "$status"
done

#!/usr/bin/env bash
# Quick start, command 1: set everything up on the embedded default and serve the portal.
# SQLite file db.sqlite3, Celery eager (no broker), DEBUG on, demo data and demo users.
# Environment variables (see .env.example) override the defaults, e.g. DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh requirements.txt
export DEBUG="${DEBUG:-1}"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
echo
echo "Portal: http://${HOST:-127.0.0.1}:${PORT:-8000}/  (Ctrl-C to stop)"
exec .venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"

"""docker-compose.yml describes the production shape, and its commands point at real modules."""

import importlib
import shlex
from pathlib import Path

import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())


def _command(service):
    return shlex.split(COMPOSE["services"][service]["command"])


def test_services_present():
    assert {"web", "worker", "beat", "db", "redis"} <= set(COMPOSE["services"])


def test_web_runs_gunicorn_on_the_real_wsgi_application():
    argv = _command("web")
    assert argv[0] == "gunicorn"
    module, attr = argv[1].split(":")
    assert callable(getattr(importlib.import_module(module), attr))


def test_worker_and_beat_use_the_real_celery_app():
    for service, sub in (("worker", "worker"), ("beat", "beat")):
        argv = _command(service)
        assert argv[:3] == ["celery", "-A", "jiangmen_portal"] and argv[3] == sub
        from celery import Celery

        assert isinstance(importlib.import_module(argv[2]).celery_app, Celery)


def test_app_services_get_database_and_broker_from_environment():
    for service in ("web", "worker", "beat"):
        env = COMPOSE["services"][service]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")


def test_app_services_run_as_the_app_role_and_only_migrate_as_the_owner():
    """web, worker and beat connect as the role that owns nothing; the one-shot migrate service
    connects as the owner, migrates, then (re)creates that role's grants."""
    for service in ("web", "worker", "beat"):
        assert COMPOSE["services"][service]["environment"]["DATABASE_URL"].startswith("postgres://portal_app:")
        assert COMPOSE["services"][service]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    migrate = COMPOSE["services"]["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith("postgres://portal:")
    argv = shlex.split(migrate["command"])
    assert argv[:2] == ["sh", "-c"]
    steps = [shlex.split(step) for step in argv[2].split("&&")]
    assert steps[0][:3] == ["python", "manage.py", "migrate"]
    assert steps[1][:4] == ["python", "manage.py", "create_app_db_role", "portal_app"]
    assert COMPOSE["services"]["db"]["environment"]["POSTGRES_USER"] == "portal"

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

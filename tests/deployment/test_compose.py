"""docker-compose.yml describes the production shape, and its commands point at real modules."""

import importlib
import shlex
from pathlib import Path

import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())


WORKERS = sorted(name for name in COMPOSE["services"] if name.startswith("worker-"))
APP_SERVICES = ["web", *WORKERS, "beat"]


def _command(service):
    return shlex.split(COMPOSE["services"][service]["command"])


def test_services_present():
    assert {"web", "beat", "db", "redis"} <= set(COMPOSE["services"])
    assert WORKERS, "at least one worker service"


def _queues(service):
    argv = _command(service)
    return set(argv[argv.index("-Q") + 1].split(","))


def test_every_queue_has_a_worker_service():
    """Tasks are routed by kind (settings.CELERY_TASK_ROUTES): every queue they name, and the default
    queue, is consumed by a worker service, each queue by its own service where it is heavy."""
    consumed = set().union(*(_queues(service) for service in WORKERS))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= consumed
    assert consumed == set(settings.CELERY_WORKER_QUEUES)
    for heavy in ("imports", "recompute", "reports"):
        assert [service for service in WORKERS if heavy in _queues(service)] == [f"worker-{heavy}"]


def test_web_runs_gunicorn_on_the_real_wsgi_application():
    argv = _command("web")
    assert argv[0] == "gunicorn"
    module, attr = argv[1].split(":")
    assert callable(getattr(importlib.import_module(module), attr))


def test_web_workers_freeze_the_loaded_application_for_the_garbage_collector():
    """The web service's gunicorn config (jiangmen_portal/gunicorn_conf.py) freezes what a worker has
    loaded, so the collector's full passes walk only what requests left behind."""
    import gc

    argv = _command("web")
    config = Path(settings.BASE_DIR) / argv[argv.index("--config") + 1]
    namespace: dict = {}
    exec(compile(config.read_text(), str(config), "exec"), namespace)  # as gunicorn loads a config file
    assert gc.get_freeze_count() == 0
    try:
        namespace["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000  # Django and the apps
    finally:
        gc.unfreeze()


def test_worker_and_beat_use_the_real_celery_app():
    for service, sub in [*((worker, "worker") for worker in WORKERS), ("beat", "beat")]:
        argv = _command(service)
        assert argv[:3] == ["celery", "-A", "jiangmen_portal"] and argv[3] == sub
        from celery import Celery

        assert isinstance(importlib.import_module(argv[2]).celery_app, Celery)


def test_app_services_get_database_and_broker_from_environment():
    for service in APP_SERVICES:
        env = COMPOSE["services"][service]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")


def test_app_services_run_as_the_app_role_and_only_migrate_as_the_owner():
    """web, worker and beat connect as the role that owns nothing; the one-shot migrate service
    connects as the owner, migrates, then (re)creates that role's grants."""
    for service in APP_SERVICES:
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


def test_tasks_are_routed_by_kind():
    """Each kind of job goes to its queue; every registered task lands on a queue a worker consumes."""
    from jiangmen_portal.celery import app

    app.loader.import_default_modules()

    def queue(task_name):
        return app.amqp.router.route({}, task_name)["queue"].name

    assert queue("enterprises.tasks.commit_statistic_import") == "imports"
    assert queue("targets.tasks.recompute_progress") == "recompute"
    assert queue("reports.build_report") == "reports"
    assert queue("tasks.mark_lateness") == "notifications"
    assert queue("core.fail_stale_jobs") == "default"
    portal_tasks = [name for name in app.tasks if not name.startswith("celery.")]
    assert len(portal_tasks) >= 8
    assert {queue(name) for name in portal_tasks} <= set(settings.CELERY_WORKER_QUEUES)


def test_app_services_keep_persistent_database_connections():
    """web and the workers keep their connection (DATABASE_CONN_MAX_AGE), checked before reuse."""
    for service in APP_SERVICES:
        assert int(COMPOSE["services"][service]["environment"]["DATABASE_CONN_MAX_AGE"]) == 60


def test_conn_max_age_reaches_every_database_alias(tmp_path):
    """The variable sets CONN_MAX_AGE and CONN_HEALTH_CHECKS on every alias, the replica too; unset,
    one connection per request as Django's default."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({a: [d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']] for a, d in settings.DATABASES.items()}))"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_CONN_MAX_AGE", "DATABASE_REPLICA_URL")}
    base.update(DJANGO_SETTINGS_MODULE="jiangmen_portal.settings", DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")

    def read(**env):
        out = subprocess.run(
            [sys.executable, "-c", code], env={**base, **env}, cwd=settings.BASE_DIR, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert read() == {"default": [0, False]}
    replica = "postgres://u@127.0.0.1:5433/x"
    assert read(DATABASE_CONN_MAX_AGE="60", DATABASE_REPLICA_URL=replica) == {
        "default": [60, True],
        "replica": [60, True],
    }

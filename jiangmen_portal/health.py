"""``/health/`` for the load balancer: database, Redis and a Celery worker, as JSON, without login.

Answers 200 when every configured dependency answers, 503 otherwise. Dependencies that are not
configured (no ``REDIS_URL``, no ``CELERY_BROKER_URL``) report ``"not configured"``. The answer names
no host, version or error text (it is public); failures are logged on the server.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)

OK, FAIL, SKIPPED = "ok", "error", "not configured"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_redis() -> str:
    if not settings.REDIS_URL:
        return SKIPPED
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def check_celery() -> str:
    if not settings.CELERY_BROKER_URL:
        return SKIPPED
    from jiangmen_portal.celery import app

    replies = app.control.ping(timeout=getattr(settings, "HEALTH_CELERY_TIMEOUT", 1.0))
    if not replies:
        raise RuntimeError("no Celery worker answered the ping")
    return OK


CHECKS = {"database": check_database, "redis": check_redis, "celery": check_celery}


@never_cache
@require_GET
def health(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:  # noqa: BLE001 - any failure of a dependency is reported, never raised
            log.exception("health check %s failed", name)
            results[name] = FAIL
    healthy = all(value != FAIL for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503)

"""/health/ for the load balancer: JSON, no login, 503 when a configured dependency fails."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthy_without_optional_dependencies(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured", "celery": "not configured"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_redis_gives_503_without_details(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["checks"]["redis"] == "error"
    assert "127.0.0.1" not in response.content.decode()


def test_no_worker_answering_gives_503(client, settings, monkeypatch):
    from jiangmen_portal import celery as celery_module

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/3"
    monkeypatch.setattr(celery_module.app.control, "ping", lambda timeout: [])
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["celery"] == "error"


def test_post_is_refused(client):
    assert client.post("/health/").status_code == 405


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_redis_and_worker(client, settings, celery_worker_thread):
    import os

    settings.REDIS_URL = os.environ.get("REDIS_URL", os.environ["CELERY_BROKER_URL"])
    response = client.get("/health/")
    assert response.json()["checks"]["redis"] == "ok"
    assert response.json()["checks"]["celery"] == "ok"

"""Production settings pass ``manage.py check --deploy --fail-level WARNING`` (CI runs this test)."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def production_env(**extra):
    # A clean environment, as on a production host (the test session sets variables of its own,
    # e.g. DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests, which check --deploy rightly rejects).
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example.gov.cn",
        DJANGO_SETTINGS_MODULE="jiangmen_portal.settings",
    )
    env.update(extra)
    return env


def run(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=production_env(**env),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = run("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_security_settings():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER[0], s.PASSWORD_HASHERS[0].rsplit('.', 1)[1], s.SESSION_IDLE_SECONDS, "
        "s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), s.PASSWORD_MAX_AGE_DAYS, "
        "s.PASSWORD_HISTORY_COUNT, s.PASSWORD_MIN_CLASSES, s.ACCOUNT_INACTIVE_DAYS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=production_env(),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "HTTP_X_FORWARDED_PROTO",
        "PBKDF2PasswordHasher",
        "1800",
        "5",
        "1800",
        "90",
        "5",
        "3",
        "90",
    ]


def test_health_is_exempt_from_the_https_redirect():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_REDIRECT_EXEMPT)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=production_env(),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert "^health/$" in result.stdout


def test_production_behind_the_proxy_refuses_to_start_without_a_proxy_count():
    result = run("check", "--deploy", TRUSTED_PROXY_COUNT="0")
    assert result.returncode != 0
    assert "portal.E001" in result.stderr
    code = "import django; django.setup(); from django.conf import settings as s; print(s.TRUSTED_PROXY_COUNT)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=production_env(),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.stdout.split() == ["1"]  # the default with DEBUG off: the intranet proxy

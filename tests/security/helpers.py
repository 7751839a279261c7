"""Helpers for the security tests: logging in through the real form, TOTP codes."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import AuditAction
from accounts.models import AuditLog
from tests.factories import PASSWORD


def solved_captcha() -> dict:
    """A fresh challenge and its answer, as a person reading the picture would type it."""
    from captcha.models import CaptchaStore

    store = CaptchaStore.objects.get(hashkey=CaptchaStore.generate_key())
    return {"captcha_0": store.hashkey, "captcha_1": store.response}


def post_login(client, username: str, password: str = PASSWORD, *, captcha: bool = True, **extra):
    """Log in through the form; ``captcha`` answers the CAPTCHA the form asks for after repeated
    failures (its fields are ignored while it does not ask)."""
    data = {"username": username, "password": password, **(solved_captcha() if captcha else {})}
    return client.post("/accounts/login/", data, **extra)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def events(action: AuditAction, **filters):
    return AuditLog.objects.filter(action=action, **filters)

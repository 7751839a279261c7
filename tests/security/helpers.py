"""Helpers for the security tests: logging in through the real form, TOTP codes."""
from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import AuditAction
from accounts.models import AuditLog
from tests.factories import PASSWORD


def post_login(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def events(action: AuditAction, **filters):
    return AuditLog.objects.filter(action=action, **filters)

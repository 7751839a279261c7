"""等保 masking of personal data (contact names and phones) wherever it is listed: pages (through
the ``mask_name``/``mask_phone`` template filters), the REST API, the exports and the audit views."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """138****5678 / 0750-****456: personal data is masked wherever it is listed."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) >= 11 else value[:3] + "****" + value[-3:]


def mask_name(value: str) -> str:
    """张** : the family name stays, the rest is masked."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


def mask_email(value: str) -> str:
    """w***@jiangmen.gov.cn: the first letter and the domain stay (a value without @ is masked as a name)."""
    local, _at, domain = (value or "").strip().partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_name(value)

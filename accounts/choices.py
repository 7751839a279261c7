from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class Role(models.TextChoices):
    """Roles with separated duties (三权分立): the three administrators never touch business data."""

    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    CITY_OPERATOR = "city_operator", _("City operator")
    DEPARTMENT_USER = "department_user", _("Department user")
    COUNTY_OFFICIAL = "county_official", _("County official")
    VIEWER = "viewer", _("Read-only viewer")
    API_CLIENT = "api_client", _("API client (system account)")
    NO_ROLE = "no_role", _("No role granted yet")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class AuditCategory(models.TextChoices):
    DATA = "data", _("Business data")
    SECURITY = "security", _("Security event")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    IMPORT = "import", _("Import")
    UNDO = "undo", _("Undo")
    EXPORT = "export", _("Export")
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKOUT = "lockout", _("Account locked")
    LOGOUT = "logout", _("Logout")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    REVEAL = "reveal", _("Personal data revealed")
    API_KEY_USED = "api_key_used", _("API key used")
    GRANT = "grant", _("Role or permission change")
    AUDIT_READ = "audit_read", _("Audit trail read")
    OTHER = "other", _("Other")


class ResetStatus(models.TextChoices):
    """A password reset asked by the system administrator waits for the security administrator."""

    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")

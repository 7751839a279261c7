"""Password policy validators (等保): character classes and no reuse of recent passwords.

Configured in ``AUTH_PASSWORD_VALIDATORS`` from the environment (``PASSWORD_MIN_CLASSES``,
``PASSWORD_HISTORY_COUNT``); Django runs them for every password set through a form.
"""

from __future__ import annotations

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CLASSES = (
    ("lower", lambda c: c in string.ascii_lowercase),
    ("upper", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c.isdigit()),
    ("symbol", lambda c: not c.isalnum()),
)


def character_classes(password: str) -> int:
    return sum(1 for _name, test in CLASSES if any(test(c) for c in password))


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must contain at least %(n)d of these four kinds of character: lower-case "
                    "letters, upper-case letters, digits and symbols."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Use at least %(n)d of: lower-case letters, upper-case letters, digits, symbols.") % {
            "n": self.min_classes
        }


class PasswordHistoryValidator:
    """The new password may not equal any of the last ``count`` passwords (the current one included).

    ``PasswordHistory`` holds the hashes of the last ``count`` passwords set, the current one first."""

    def __init__(self, count: int = 5):
        self.count = count

    def _recent_hashes(self, user) -> list[str]:
        if user is None or user.pk is None or self.count <= 0:
            return []
        from .models import User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [current] if current else []
        hashes += list(user.password_history.values_list("password", flat=True)[: self.count])
        return hashes

    def validate(self, password, user=None):
        for encoded in self._recent_hashes(user):
            if check_password(password, encoded):
                raise ValidationError(
                    ngettext(
                        "You used this password recently. Choose one different from your last password.",
                        "You used this password recently. Choose one different from your last %(n)d passwords.",
                        self.count,
                    )
                    % {"n": self.count},
                    code="password_reused",
                )

    def password_changed(self, password, user=None):
        """Called by Django after a new password was saved: remember its hash, keep only the last few."""
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(user.password_history.values_list("pk", flat=True)[: self.count])
        user.password_history.exclude(pk__in=keep).delete()

    def get_help_text(self):
        return ngettext(
            "It may not be your last password.", "It may not be one of your last %(n)d passwords.", self.count
        ) % {"n": self.count}

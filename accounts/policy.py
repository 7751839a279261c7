"""Messages of the session and account policy (used by ``accounts.middleware``); kept here so
that they live in this app's translation catalogue."""

from django.utils.translation import gettext_lazy as _

IDLE_LOGOUT = _("You were logged out after %(n)d minutes without activity.")
SESSION_LIMIT_LOGOUT = _("You were logged out because your session reached its maximum length of %(n)d hours.")
OTP_REQUIRED_API = _("A second factor is required: log in through the web page first.")
PASSWORD_CHANGE_REQUIRED_API = _("Your password must be changed: log in through the web page first.")
PASSWORD_CHANGE_REQUIRED = _("Please choose a new password before you continue.")
PASSWORD_EXPIRED = _("Your password has expired. Please choose a new one.")
NO_ROLE = _(
    "No business role has been granted to your account yet, so it opens no business data. Ask the "
    "security administrator to grant the role your work needs."
)

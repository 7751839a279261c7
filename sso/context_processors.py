from django.http import HttpRequest

from . import conf


def sso(request: HttpRequest) -> dict[str, bool]:
    """``sso_enabled``: the login page offers 统一身份认证登录."""
    return {"sso_enabled": conf.oidc_enabled()}

from captcha.views import captcha_image
from django.urls import include, path, re_path

from accounts.views.pages import HomeView, SearchView

from .health import health

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("search/", SearchView.as_view(), name="search"),
    path("health/", health, name="health"),
    # the login CAPTCHA's image, drawn on this server (the only django-simple-captcha route in use)
    re_path(r"^captcha/image/(?P<key>\w+)/$", captcha_image, {"scale": 1}, name="captcha-image"),
    path("accounts/", include("accounts.urls")),
    path("sso/", include("sso.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("targets/", include("targets.urls")),
    path("tasks/", include("tasks.urls")),
    path("support/", include("support.urls")),
    path("policies/", include("policies.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("jiangmen_portal.api_urls")),
]

handler403 = "accounts.views.pages.permission_denied"

from django.urls import include, path

from accounts.views.pages import HomeView

from .health import health

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("health/", health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("enterprises/", include("enterprises.urls")),
    path("targets/", include("targets.urls")),
    path("tasks/", include("tasks.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("jiangmen_portal.api_urls")),
]

handler403 = "accounts.views.pages.permission_denied"

from django.urls import include, path

from .health import health
from core.views import HomeView

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

handler403 = "core.views.permission_denied"

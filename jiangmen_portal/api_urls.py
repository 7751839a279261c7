"""``/api/v1/``: the REST API for other municipal systems. Each app registers its viewsets here
(``<app>/api/urls.py`` defines ``register(router)``); see ``core/api.py`` for the pattern."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api.urls import register as register_accounts
from core.api import not_found
from core.api_deletions import register as register_core
from enterprises.api.urls import register as register_enterprises
from policies.api.urls import register as register_policies
from support.api.urls import register as register_support
from targets.api.urls import register as register_targets
from tasks.api.urls import register as register_tasks

router = DefaultRouter()
register_accounts(router)
register_enterprises(router)
register_targets(router)
register_tasks(router)
register_policies(router)
register_support(router)
register_core(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI served from drf-spectacular-sidecar's static files; init script at ?script (CSP-safe).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    *router.urls,
    re_path(r"^.*$", not_found),  # last: unknown paths and malformed ids answer JSON, not the HTML 404
]

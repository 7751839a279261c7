"""``/api/v1/``: the REST API for other municipal systems. Each app registers its viewsets here."""
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls

from .views import PolicyViewSet, SupportGrantViewSet


def register(router) -> None:
    router.register("policies", PolicyViewSet, basename="policy")
    router.register("support-grants", SupportGrantViewSet, basename="support-grant")

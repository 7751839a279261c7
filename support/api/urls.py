from .views import CoverageViewSet, RequestFiguresViewSet, RequestViewSet


def register(router) -> None:
    router.register("requests", RequestViewSet, basename="request")
    router.register("request-figures", RequestFiguresViewSet, basename="request-figures")
    router.register("commissioner-coverage", CoverageViewSet, basename="commissioner-coverage")

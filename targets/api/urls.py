from .views import IndicatorViewSet, ProgressValueViewSet


def register(router) -> None:
    router.register("indicators", IndicatorViewSet, basename="indicator")
    router.register("progress", ProgressValueViewSet, basename="progress-value")

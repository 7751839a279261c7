from .views import DepartmentViewSet, PlaceViewSet


def register(router) -> None:
    router.register("places", PlaceViewSet, basename="place")
    router.register("departments", DepartmentViewSet, basename="department")

from .views import ReserveEntryViewSet, TitleReviewViewSet


def register(router) -> None:
    router.register("title-reviews", TitleReviewViewSet, basename="title-review")
    router.register("reserve-entries", ReserveEntryViewSet, basename="reserve-entry")

from .views import KeyTaskViewSet, ProgressReportViewSet


def register(router) -> None:
    router.register("tasks", KeyTaskViewSet, basename="task")
    router.register("progress-reports", ProgressReportViewSet, basename="progress-report")

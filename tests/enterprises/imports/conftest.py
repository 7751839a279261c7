import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from accounts.models import AuditLog
from enterprises.models import Statistic, StatisticImportChange


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def uploaded(data: bytes, name: str = "统计.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def db_state():
    """Everything an import may write, to prove a refused one changed nothing."""
    return (
        list(Statistic.objects.order_by("pk").values()),
        AuditLog.objects.filter(Q(object_type="enterprises.statistic") | Q(action__in=["import", "undo"])).count(),
        StatisticImportChange.objects.count(),
    )


@pytest.fixture(autouse=True)
def _eager_unless_real_worker(request):
    """Jobs run in-process, even when CELERY_BROKER_URL is set for the real-worker tests."""
    from jiangmen_portal.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous

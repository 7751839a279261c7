"""A PATCH racing a DELETE: whichever order the two requests meet in, the answer is a Chinese 404,
never a 500, and a deleted record is not brought back by the edit."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from enterprises.api.views import TitleViewSet
from enterprises.models import Enterprise, Title
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def title(db):
    enterprise = factories.make_enterprise("440781")
    return factories.make_title(enterprise, "innovative", dt.date(2024, 6, 1))


def test_delete_after_the_save_answers_404(write_api, title):
    """The edit is saved, then another request deletes the row before the response reads it back."""
    save = TitleViewSet.perform_save

    def save_then_deleted(self, instance, **kwargs):
        saved = save(self, instance, **kwargs)
        Title.objects.filter(pk=saved.pk).delete()  # the racing DELETE
        return saved

    with mock.patch.object(TitleViewSet, "perform_save", save_then_deleted):
        response = write_api.client.patch(
            f"/api/v1/titles/{title.pk}/", {"document_no": "江工信〔2024〕9号"}, format="json"
        )
    assert response.status_code == 404, response.json()
    assert response.json()["detail"] == "该记录已被他人删除。"
    assert not Title.objects.filter(pk=title.pk).exists()


def test_delete_before_the_save_answers_404_and_does_not_recreate_the_row(write_api, title):
    """The PATCH has read the row; the DELETE commits before the PATCH writes."""
    get_object = TitleViewSet.get_object

    def read_then_deleted(self):
        instance = get_object(self)
        Title.objects.filter(pk=instance.pk).delete()  # the racing DELETE
        return instance

    with mock.patch.object(TitleViewSet, "get_object", read_then_deleted):
        response = write_api.client.patch(
            f"/api/v1/titles/{title.pk}/", {"document_no": "江工信〔2024〕9号"}, format="json"
        )
    assert response.status_code == 404
    assert response.json()["detail"] == "该记录已被他人删除。"
    assert not Title.objects.filter(pk=title.pk).exists()  # not resurrected by the edit
    assert Enterprise.objects.count() == 1

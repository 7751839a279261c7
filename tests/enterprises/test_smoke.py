import datetime as dt

import pytest

from enterprises.models import Enterprise
from tests import factories

pytestmark = pytest.mark.django_db


def test_county_official_lists_edits_own_and_gets_404_for_other(
    client, taishan_official, taishan_enterprise, kaiping_enterprise
):
    factories.make_title(taishan_enterprise, "innovative", dt.date(2024, 7, 1))
    client.force_login(taishan_official)
    page = client.get("/enterprises/")
    assert page.status_code == 200
    assert taishan_enterprise.name in page.content.decode()
    assert kaiping_enterprise.name not in page.content.decode()
    assert client.get(f"/enterprises/{kaiping_enterprise.pk}/").status_code == 404
    assert client.get(f"/enterprises/{kaiping_enterprise.pk}/edit/").status_code == 404
    detail = client.get(f"/enterprises/{taishan_enterprise.pk}/")
    assert detail.status_code == 200
    form = client.get(f"/enterprises/{taishan_enterprise.pk}/edit/")
    assert form.status_code == 200
    data = {
        "credit_code": taishan_enterprise.credit_code,
        "name": "台山改名有限公司",
        "county": taishan_enterprise.county_id,
        "status": "operating",
        "version": taishan_enterprise.version,
    }
    response = client.post(f"/enterprises/{taishan_enterprise.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()
    assert Enterprise.objects.get(pk=taishan_enterprise.pk).name == "台山改名有限公司"
    assert client.get("/enterprises/ladder/").status_code == 200

"""API clients for the endpoint tests: no key, a read key, a write key, a county-limited write key."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.api.services import api_client_create


@dataclass
class KeyedClient:
    client: APIClient
    api_client: object | None
    key: str | None


def keyed(name: str | None, *, write: bool = False, county: str | None = None) -> KeyedClient:
    http = APIClient()
    if name is None:
        return KeyedClient(http, None, None)
    api_client, key = api_client_create(name=name, can_write=write, county_code=county)
    http.credentials(HTTP_X_API_KEY=key)
    return KeyedClient(http, api_client, key)


@pytest.fixture
def anon_api(db):
    return keyed(None)


@pytest.fixture
def read_api(db):
    return keyed("数据平台（只读）")


@pytest.fixture
def write_api(db):
    return keyed("市财政局上市系统", write=True)


@pytest.fixture
def taishan_api(db):
    """Read-write, limited to 台山市 (440781)."""
    return keyed("台山市县区系统", write=True, county="440781")

from __future__ import annotations

import pytest

from accounts.choices import Role
from support.models import RequestCategory
from tests import factories


@pytest.fixture
def finance(db):
    """融资 → lead 市金融局 (jrj), co-departments nfra and pbc (fixtures/reference/100_support.yaml)."""
    return RequestCategory.objects.get(code="finance")


@pytest.fixture
def jrj_user(db):
    return factories.make_user(Role.DEPARTMENT_USER, department_code="jrj", username="jrj")


@pytest.fixture
def nfra_user(db):
    return factories.make_user(Role.DEPARTMENT_USER, department_code="nfra", username="nfra")


@pytest.fixture
def swj_user(db):
    return factories.make_user(Role.DEPARTMENT_USER, department_code="swj", username="swj")

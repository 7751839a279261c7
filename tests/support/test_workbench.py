"""The home page's support to-dos, counted by hand for the handling department, the commissioner
(county official), the city operator and a viewer."""

from __future__ import annotations

import datetime as dt

import pytest

from support import services
from support.models import RequestCategory, Visit
from support.workbench import todos
from tests import factories

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 11, 30)  # a Monday


def test_todos_by_hand(client, city_operator, taishan_official, jrj_user, viewer):
    a = factories.make_enterprise("440781")
    services.assign_commissioner(
        actor=city_operator, enterprise=a, commissioner=taishan_official, starts_on=D(2026, 1, 5)
    )
    Visit.objects.create(
        enterprise=a, visited_by=taishan_official, visited_on=D(2026, 8, 20), next_visit_on=D(2026, 11, 20)
    )

    def record(code, received_on):
        request, _ = services.create_request(
            actor=taishan_official,
            enterprise=a,
            category=RequestCategory.objects.get(code=code),
            description="测试诉求",
            received_on=received_on,
            today=TODAY,
        )
        return request

    record("finance", D(2026, 11, 2))  # 市金融局, never accepted: due 3 Nov, overdue
    record("finance", D(2026, 11, 27))  # Friday: to accept by Monday 30 Nov, not overdue yet
    returned = record("land", D(2026, 11, 25))
    services.return_request(actor=city_operator, request=returned, text="请补充用地面积")
    closed = record("policy", D(2026, 11, 16))
    services.accept_request(actor=city_operator, request=closed, today=D(2026, 11, 16))
    services.reply_request(actor=city_operator, request=closed, text="已答复", today=D(2026, 11, 18))
    services.close_request(actor=city_operator, request=closed, today=D(2026, 11, 19))

    def shown(user):
        return {t.label: (t.count, t.url) for t in todos(user, TODAY)}

    # 市金融局: both finance requests await its acceptance, the first is overdue; it records none.
    assert shown(jrj_user) == {
        "待受理的诉求": (2, "/support/?status=pending"),
        "已超期的诉求": (1, "/support/?overdue=1"),
    }
    # 台山's official (a's commissioner): the overdue one, the returned one, the closed one to rate,
    # and a, whose next visit (20 Nov) is due.
    assert shown(taishan_official) == {
        "已超期的诉求": (1, "/support/?overdue=1"),
        "退回补充材料的诉求": (1, "/support/?status=returned"),
        "已办结待评价满意度的诉求": (1, "/support/?status=closed"),
        "待走访的企业": (1, "/support/mine/"),
    }
    # The city operator handles and records everywhere; she serves no enterprise.
    assert shown(city_operator) == {
        "待受理的诉求": (2, "/support/?status=pending"),
        "已超期的诉求": (1, "/support/?overdue=1"),
        "退回补充材料的诉求": (1, "/support/?status=returned"),
        "已办结待评价满意度的诉求": (1, "/support/?status=closed"),
    }
    assert todos(viewer, TODAY) == []
    client.force_login(jrj_user)
    assert "待受理的诉求" in client.get("/").content.decode()

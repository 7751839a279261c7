"""The push, its funnel per policy and county, 免申即享, the grant step feeding the ledger, and who
may do what (department users: their own unit's policies and grants; county officials: their
county's to-dos; viewers: read only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.choices import AuditAction, Role
from accounts.models import AuditLog, Department
from policies import services
from policies.choices import ConditionKind
from policies.models import Policy, PolicyCondition, PolicyPush, SupportGrant, SupportType
from policies.selectors import policy_funnel
from tests import factories

TODAY = dt.date.today()
LAST_YEAR = TODAY.year - 1


@pytest.fixture
def world(db):
    """Three 台山 and two 开平 enterprises; the policy asks for revenue last year ≥ 5000 万元.
    Meets: 台山 A (8000), 台山 B (5000), 开平 C (6000). Left out: 台山 D (1000, misses),
    开平 E (no figures: unknown, not pushed)."""
    e = {}
    for key, county, revenue in [
        ("A", "440781", 8000),
        ("B", "440781", 5000),
        ("C", "440783", 6000),
        ("D", "440781", 1000),
        ("E", "440783", None),
    ]:
        e[key] = factories.make_enterprise(county, name=f"推送测试{key}有限公司")
        if revenue is not None:
            factories.make_annual(e[key], LAST_YEAR, revenue=revenue)
    policy = Policy.objects.create(
        title="技术改造奖补",
        document_no="江工信〔2026〕1号",
        issuing_department=Department.objects.get(code="kjj"),
        support_type=SupportType.objects.get(code="tech-upgrade"),
        valid_from=TODAY - dt.timedelta(days=30),
    )
    PolicyCondition.objects.create(
        policy=policy, kind=ConditionKind.FIGURE, figure="revenue", operator="gte", threshold=5000
    )
    return e, policy


def test_push_creates_one_todo_per_matched_enterprise_for_the_county_official(world, department_user, taishan_official):
    e, policy = world
    kaiping = factories.make_user(Role.COUNTY_OFFICIAL, county_code="440783", username="kp")
    assert services.push_policy(actor=department_user, policy=policy) == 3  # A, B, C
    pushes = {p.enterprise_id: p for p in PolicyPush.objects.all()}
    assert set(pushes) == {e["A"].pk, e["B"].pk, e["C"].pk}
    assert pushes[e["A"].pk].assignee == taishan_official and pushes[e["C"].pk].assignee == kaiping
    assert AuditLog.objects.filter(action=AuditAction.CREATE, object_type="policies.policypush").count() == 3
    # Pushing again adds nothing.
    assert services.push_policy(actor=department_user, policy=policy) == 0


def test_only_writers_of_the_policy_push(world, viewer, taishan_official):
    _, policy = world
    other_department = factories.make_user(Role.DEPARTMENT_USER, department_code="fgj", username="fgj")
    for user in (viewer, taishan_official, other_department):
        with pytest.raises(PermissionDenied):
            services.push_policy(actor=user, policy=policy)
    assert not PolicyPush.objects.exists()


def test_funnel_per_policy_and_county(world, department_user, taishan_official, city_operator):
    e, policy = world
    services.push_policy(actor=department_user, policy=policy)
    push = {p.enterprise_id: p for p in PolicyPush.objects.all()}
    day = TODAY
    # A: notified, applied, granted 30 万元; B: notified only; C (开平): notified, applied, granted 12.5 万元.
    for key in ("A", "B", "C"):
        services.record_step(
            actor=city_operator, push=push[e[key].pk], step="notified", values={"notified_on": day, "channel": "visit"}
        )
    for key in ("A", "C"):
        p = PolicyPush.objects.get(pk=push[e[key].pk].pk)
        services.record_step(actor=city_operator, push=p, step="applied", values={"applied_on": day})
    services.record_step(
        actor=department_user,
        push=PolicyPush.objects.get(pk=push[e["A"].pk].pk),
        step="granted",
        values={"granted_on": day, "granted_amount": Decimal("30")},
    )
    services.record_step(
        actor=department_user,
        push=PolicyPush.objects.get(pk=push[e["C"].pk].pk),
        step="granted",
        values={"granted_on": day, "granted_amount": Decimal("12.5")},
    )
    funnel = policy_funnel(city_operator, policy, TODAY)
    total = funnel["total"]
    # met 3 (A, B, C); misses one: D; unknown: E. pushed 3 → notified 3 → applied 2 → granted 2, 30 + 12.5 = 42.5 万元.
    assert (total["met"], total["missed_one"], total["unknown"]) == (3, 1, 1)
    assert (total["pushed"], total["notified"], total["applied"], total["granted"]) == (3, 3, 2, 2)
    assert total["amount"] == Decimal("42.5")
    by_county = {county.code: f for county, f in funnel["counties"]}
    assert (by_county["440781"]["pushed"], by_county["440781"]["granted"], by_county["440781"]["amount"]) == (
        2,
        1,
        Decimal("30"),
    )
    assert (by_county["440783"]["pushed"], by_county["440783"]["granted"], by_county["440783"]["amount"]) == (
        1,
        1,
        Decimal("12.5"),
    )
    # The 台山 official's funnel holds 台山 only: met A, B; misses one D; pushed 2, granted 1, 30 万元.
    mine = policy_funnel(taishan_official, policy, TODAY)
    assert [c.code for c, _ in mine["counties"]] == ["440781"]
    assert (mine["total"]["met"], mine["total"]["pushed"], mine["total"]["amount"]) == (2, 2, Decimal("30"))
    # The grants fed the ledger: one row each, by the implementing unit (the issuer here).
    grants = SupportGrant.objects.order_by("amount")
    assert [(g.enterprise_id, g.amount, g.department.code, g.support_type.code) for g in grants] == [
        (e["C"].pk, Decimal("12.5"), "kjj", "tech-upgrade"),
        (e["A"].pk, Decimal("30"), "kjj", "tech-upgrade"),
    ]


def test_steps_in_order_and_by_the_right_people(world, department_user, taishan_official, kaiping_official, viewer):
    e, policy = world
    services.push_policy(actor=department_user, policy=policy)
    push = PolicyPush.objects.get(enterprise=e["A"])
    # The application needs the notification first; a grant needs the application.
    with pytest.raises(ValidationError) as error:
        services.record_step(actor=taishan_official, push=push, step="applied", values={"applied_on": TODAY})
    assert "applied_on" in error.value.error_dict
    push.refresh_from_db()
    with pytest.raises(ValidationError):
        services.record_step(
            actor=department_user, push=push, step="granted", values={"granted_on": TODAY, "granted_amount": Decimal(5)}
        )
    assert not SupportGrant.objects.exists()
    # Another county's official cannot see it; a viewer cannot write; the department does not notify.
    push.refresh_from_db()
    with pytest.raises(Http404):
        services.record_step(
            actor=kaiping_official, push=push, step="notified", values={"notified_on": TODAY, "channel": "phone"}
        )
    with pytest.raises(PermissionDenied):
        services.record_step(
            actor=viewer, push=push, step="notified", values={"notified_on": TODAY, "channel": "phone"}
        )
    with pytest.raises(PermissionDenied):
        services.record_step(
            actor=department_user, push=push, step="notified", values={"notified_on": TODAY, "channel": "phone"}
        )
    # A county official does not record grants.
    with pytest.raises(PermissionDenied):
        services.record_step(
            actor=taishan_official,
            push=push,
            step="granted",
            values={"granted_on": TODAY, "granted_amount": Decimal(5)},
        )
    assert PolicyPush.objects.get(pk=push.pk).notified_on is None


def test_no_application_policy_skips_the_application(world, department_user, taishan_official):
    e, policy = world
    policy.no_application = True
    policy.save()
    services.push_policy(actor=department_user, policy=policy)
    push = PolicyPush.objects.get(enterprise=e["A"])
    with pytest.raises(ValidationError) as error:
        services.record_step(actor=taishan_official, push=push, step="applied", values={"applied_on": TODAY})
    assert "applied_on" in error.value.error_dict
    push.refresh_from_db()
    # The implementing department confirms the grant directly: no notification, no application.
    services.record_step(
        actor=department_user, push=push, step="granted", values={"granted_on": TODAY, "granted_amount": Decimal("8")}
    )
    grant = SupportGrant.objects.get()
    assert (grant.enterprise_id, grant.amount, grant.policy_id) == (e["A"].pk, Decimal("8"), policy.pk)


def test_implementing_unit_records_grants_not_the_issuer(world, department_user):
    e, policy = world
    policy.implementing_department = Department.objects.get(code="fgj")
    policy.save()
    services.push_policy(actor=department_user, policy=policy)
    push = PolicyPush.objects.get(enterprise=e["A"])
    push.notified_on, push.channel, push.applied_on = TODAY, "visit", TODAY
    push.save()
    with pytest.raises(PermissionDenied):
        services.record_step(
            actor=department_user, push=push, step="granted", values={"granted_on": TODAY, "granted_amount": Decimal(3)}
        )
    implementer = factories.make_user(Role.DEPARTMENT_USER, department_code="fgj", username="fgj")
    services.record_step(
        actor=implementer, push=push, step="granted", values={"granted_on": TODAY, "granted_amount": Decimal(3)}
    )
    assert SupportGrant.objects.get().department.code == "fgj"


def test_department_users_enter_their_own_units_grants_only(world, department_user):
    e, policy = world
    grant = SupportGrant(
        enterprise=e["D"],
        policy_text="省级技改专项",
        department=Department.objects.get(code="fgj"),
        support_type=SupportType.objects.get(code="tech-upgrade"),
        amount=Decimal(10),
        granted_on=TODAY,
    )
    with pytest.raises(PermissionDenied):
        services.save_grant(actor=department_user, grant=grant)
    grant.department = Department.objects.get(code="kjj")
    services.save_grant(actor=department_user, grant=grant)
    assert SupportGrant.objects.for_user(department_user, "change").count() == 1


def test_web_pages_and_county_scoping(client, world, department_user, taishan_official, kaiping_official, viewer):
    e, policy = world
    services.push_policy(actor=department_user, policy=policy)
    client.force_login(taishan_official)
    page = client.get("/policies/todos/").content.decode()
    assert "推送测试A有限公司" in page and "推送测试C有限公司" not in page
    other = PolicyPush.objects.get(enterprise=e["C"])
    assert client.get(f"/policies/todos/{other.pk}/").status_code == 404
    own = PolicyPush.objects.get(enterprise=e["A"])
    response = client.post(
        f"/policies/todos/{own.pk}/",
        {
            "step": "notified",
            "version": own.version,
            "notified-notified_on": TODAY.isoformat(),
            "notified-channel": "phone",
            "notified-intention": "will_apply",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.notified_on, own.channel, own.intention) == (TODAY, "phone", "will_apply")
    # A bad date is a form error in Chinese, nothing saved.
    response = client.post(
        f"/policies/todos/{own.pk}/", {"step": "applied", "version": own.version, "applied-applied_on": "2026-13-45"}
    )
    assert response.status_code == 200 and "有效" in response.content.decode()
    own.refresh_from_db()
    assert own.applied_on is None
    # A viewer reads but gets no step form; posting is refused.
    client.force_login(viewer)
    assert 'name="step"' not in client.get(f"/policies/todos/{own.pk}/").content.decode()
    assert client.post(f"/policies/todos/{own.pk}/", {"step": "notified"}).status_code == 403


def test_department_user_enters_a_policy_for_its_own_unit(client, department_user, db):
    client.force_login(department_user)
    data = {
        "title": "科技型中小企业研发费用补助",
        "document_no": "江科〔2026〕8号",
        "issuing_department": Department.objects.get(code="fgj").pk,  # not its unit: refused by the form
        "support_type": SupportType.objects.get(code="fund-award").pk,
        "valid_from": "2026-01-01",
    }
    response = client.post("/policies/new/", data)
    assert response.status_code == 200 and not Policy.objects.exists()
    data["issuing_department"] = Department.objects.get(code="kjj").pk
    response = client.post("/policies/new/", data)
    policy = Policy.objects.get()
    assert response.status_code == 302 and policy.issuing_department.code == "kjj"
    assert AuditLog.objects.filter(
        action=AuditAction.CREATE, object_type="policies.policy", object_id=str(policy.pk)
    ).exists()
    # An expired policy stays listed as history.
    policy.valid_to = dt.date(2026, 1, 31)
    policy.valid_from = dt.date(2025, 1, 1)
    policy.save()
    page = client.get("/policies/?validity=expired").content.decode()
    assert "科技型中小企业研发费用补助" in page


def test_the_service_commissioner_gets_the_todo_and_records_the_steps(
    world, department_user, city_operator, taishan_official
):
    """A (台山) has a commissioner of 市商务局; B (台山) has none: its to-do goes to the county official."""
    from support.services import assign_commissioner

    e, policy = world
    commissioner = factories.make_user(Role.DEPARTMENT_USER, department_code="swj", username="swj")
    assign_commissioner(actor=city_operator, enterprise=e["A"], commissioner=commissioner)
    services.push_policy(actor=department_user, policy=policy)
    a, b = PolicyPush.objects.get(enterprise=e["A"]), PolicyPush.objects.get(enterprise=e["B"])
    assert (a.assignee, b.assignee) == (commissioner, taishan_official)
    services.record_step(actor=commissioner, push=a, step="notified", values={"notified_on": TODAY, "channel": "visit"})
    assert PolicyPush.objects.get(pk=a.pk).notified_on == TODAY
    # Not the commissioner of B: refused, nothing saved.
    with pytest.raises(PermissionDenied):
        services.record_step(
            actor=commissioner, push=b, step="notified", values={"notified_on": TODAY, "channel": "visit"}
        )
    assert PolicyPush.objects.get(pk=b.pk).notified_on is None
    # A commissioner does not record grants (not the implementing unit).
    a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.record_step(
            actor=commissioner, push=a, step="granted", values={"granted_on": TODAY, "granted_amount": Decimal(1)}
        )

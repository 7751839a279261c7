"""Password policy: length, 3 of 4 character classes, history of 5, forced change, 90-day expiry."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.choices import AuditAction, Role
from accounts.models import PasswordHistory, User
from accounts.validators import CharacterClassesValidator, PasswordHistoryValidator
from tests import factories
from tests.factories import PASSWORD

from .helpers import events, post_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password,ok",
    [
        ("Ab1!", False),  # too short
        ("abcdefgh1", False),  # two classes
        ("ABCDEFGH!", False),  # two classes
        ("Jiangmen-2026", True),  # four classes
        ("jiangmen#2026", True),  # three: lower, digit, symbol
        ("JiangMenShi7", True),  # three: lower, upper, digit
    ],
)
def test_length_and_character_classes(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_character_classes_are_configurable():
    CharacterClassesValidator(min_classes=2).validate("abcdefgh1")
    with pytest.raises(ValidationError, match="4"):
        CharacterClassesValidator(min_classes=4).validate("Jiangmen2026")


def change(client, old, new):
    return client.post("/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_the_last_five_passwords_cannot_be_reused(client, taishan_official):
    client.force_login(taishan_official)
    passwords = [PASSWORD] + [f"Jiangmen-{n}x!" for n in range(1, 6)]
    for old, new in zip(passwords, passwords[1:], strict=False):
        response = change(client, old, new)
        assert response.status_code == 302, response.context["form"].errors
    current = passwords[-1]
    # the current one and the four before it are refused …
    for reused in passwords[-5:]:
        response = change(client, current, reused)
        assert response.status_code == 200
        codes = [e.code for e in response.context["form"].errors.as_data()["new_password2"]]
        assert "password_reused" in codes
    assert User.objects.get(pk=taishan_official.pk).check_password(current)
    # … the sixth-last may be used again.
    assert change(client, current, passwords[0]).status_code == 302
    assert PasswordHistory.objects.filter(user=taishan_official).count() == 5


def test_history_count_is_configurable(taishan_official):
    validator = PasswordHistoryValidator(count=1)
    taishan_official.set_password("Jiangmen-1x!")
    taishan_official.save()
    validator.password_changed("Jiangmen-1x!", taishan_official)
    with pytest.raises(ValidationError):
        validator.validate("Jiangmen-1x!", taishan_official)
    validator.validate(PASSWORD, taishan_official)


def test_first_login_forces_a_password_change(client):
    user = factories.make_user(Role.COUNTY_OFFICIAL, county_code="440781", username="newbie")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    post_login(client, "newbie")
    response = client.get("/enterprises/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/")
    # A weak new password is refused and nothing changes.
    weak = change(client, PASSWORD, "password")
    assert weak.status_code == 200
    assert User.objects.get(pk=user.pk).must_change_password
    response = client.post(
        "/accounts/password/?next=/enterprises/",
        {
            "old_password": PASSWORD,
            "new_password1": "Jiangmen-2026!",
            "new_password2": "Jiangmen-2026!",
            "next": "/enterprises/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/enterprises/"
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password("Jiangmen-2026!")
    assert client.get("/enterprises/").status_code == 200  # the session survived the change
    assert events(AuditAction.UPDATE, object_id=str(user.pk), message="password changed").exists()


def test_password_expires_after_90_days(client, taishan_official, settings):
    assert settings.PASSWORD_MAX_AGE_DAYS == 90
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(days=89), tick=False):
        post_login(client, "taishan")
        assert client.get("/enterprises/").status_code == 200
        client.post("/accounts/logout/")
    with time_machine.travel(start + dt.timedelta(days=91), tick=False):
        post_login(client, "taishan")
        response = client.get("/enterprises/")
        assert response["Location"].startswith("/accounts/password/")
        assert change(client, PASSWORD, "Jiangmen-2026!").status_code == 302
        assert client.get("/enterprises/").status_code == 200


def test_expiry_can_be_switched_off(taishan_official, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=1000)):
        assert not taishan_official.password_expired


def test_demo_style_users_are_not_forced_to_change(client, city_operator):
    """make_user (like seed_demo) creates users with must_change_password=False: straight in."""
    post_login(client, "city")
    assert client.get("/enterprises/").status_code == 200

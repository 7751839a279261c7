import datetime as dt

import pytest

from enterprises.identifiers import make_credit_code
from enterprises.models import Enterprise, Title, add_years
from enterprises.validators import credit_code_problem, normalise_credit_code
from tests import factories

pytestmark = pytest.mark.django_db


def test_add_years_ends_the_day_before_the_anniversary():
    assert add_years(dt.date(2023, 12, 20), 3) == dt.date(2026, 12, 19)
    assert add_years(dt.date(2024, 2, 29), 3) == dt.date(2027, 2, 27)


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91440700MA4UJ123", "18"),  # too short: says the length
        ("91440700MA4UJ12I3X", "I"),  # forbidden letter named
        ("914407A0MA4UJ12345", "3–8"),  # region code with a letter O
    ],
)
def test_credit_code_problems_are_named(code, fragment):
    assert fragment in credit_code_problem(code)


def test_credit_code_check_character_message_names_expected_character():
    good = make_credit_code("440781", 123)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    message = credit_code_problem(wrong)
    assert good[-1] in message and wrong[-1] in message
    assert credit_code_problem(good) is None


def test_the_fast_path_for_canonical_codes_agrees_with_stdnum():
    """``credit_code_problem`` skips stdnum for a code already in canonical form: it must accept
    exactly what ``uscc.is_valid`` accepts (every 18th character tried on 300 random codes)."""
    import random

    from stdnum.cn import uscc

    rng = random.Random(18)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    accepted = 0
    for _ in range(300):
        first = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(rng.choice(alphabet) for _ in range(9))
        for last in alphabet:
            code = first + last
            assert normalise_credit_code(code) == uscc.compact(code)
            valid = credit_code_problem(code) is None
            assert valid == uscc.is_valid(code), code
            accepted += valid
    assert accepted == 300  # one check character in 31 is right
    # not canonical: full-width, lower case, spaces go the stdnum way (and are normalised first)
    assert normalise_credit_code(" 91440781ma4uj0000x ") == "91440781MA4UJ0000X"


def test_current_tier_is_the_highest_valid_title_on_the_date(taishan_enterprise):
    factories.make_title(taishan_enterprise, "innovative", dt.date(2021, 7, 1))
    factories.make_title(taishan_enterprise, "provincial", dt.date(2022, 9, 1))
    annotated = Enterprise.objects.with_current_tier(dt.date(2023, 1, 1)).get(pk=taishan_enterprise.pk)
    assert annotated.current_tier_rank == 3
    # the provincial title lapses on 2025-08-31; the innovative one on 2024-06-30
    later = Enterprise.objects.with_current_tier(dt.date(2025, 9, 1)).get(pk=taishan_enterprise.pk)
    assert later.current_tier_id is None


def test_pending_review_keeps_a_title_valid_and_failed_review_ends_it(taishan_enterprise):
    title = factories.make_title(taishan_enterprise, "provincial", dt.date(2021, 9, 1), status="under_review")
    assert title.valid_until == dt.date(2024, 8, 31)
    assert Title.objects.valid_on(dt.date(2025, 1, 1)).filter(pk=title.pk).exists()
    title.status, title.ended_on = "expired", dt.date(2025, 2, 1)  # review failed on 2025-02-01
    title.save()
    # history stays right: valid while the review was pending, not from the day it ended
    assert Title.objects.valid_on(dt.date(2025, 1, 31)).filter(pk=title.pk).exists() and title.is_valid_on(
        dt.date(2025, 1, 31)
    )
    assert not Title.objects.valid_on(dt.date(2025, 2, 1)).filter(pk=title.pk).exists()
    assert not title.is_valid_on(dt.date(2025, 2, 1))


def test_revocation_before_expiry_ends_validity(taishan_enterprise):
    title = factories.make_title(
        taishan_enterprise,
        "innovative",
        dt.date(2024, 7, 1),
        status="revoked",
        ended_on=dt.date(2025, 3, 1),
        end_reason="提供虚假材料",
    )
    assert Title.objects.valid_on(dt.date(2025, 2, 28)).filter(pk=title.pk).exists()
    assert not Title.objects.valid_on(dt.date(2025, 3, 1)).filter(pk=title.pk).exists()

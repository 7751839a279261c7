"""The listing pipeline worked out by hand (pure functions, no database): stage from the records
with a withdrawal and a re-filing, days in stage, the funnel and the projection."""

import datetime as dt
from decimal import Decimal

from enterprises.listings.choices import NOT_STARTED
from enterprises.listings.pipeline import Assumption, Row, Step, derive, funnel, project

D = dt.date

A_STEPS = (
    Step("tutoring", "szse_chinext", D(2024, 3, 1)),
    Step("accepted", "szse_chinext", D(2024, 9, 10)),
    Step("withdrawn", "szse_chinext", D(2025, 1, 20)),
    Step("tutoring", "bse", D(2025, 4, 1)),  # re-filing after the withdrawal: a second filing
    Step("accepted", "bse", D(2025, 10, 15)),
)
B_STEPS = (
    Step("tutoring", "sse_star", D(2024, 1, 10)),
    Step("accepted", "sse_star", D(2024, 5, 10)),
    Step("approved", "sse_star", D(2024, 11, 6)),
    Step("registered", "sse_star", D(2024, 12, 6)),
    Step("listed", "sse_star", D(2025, 1, 15)),
)
C_STEPS = (Step("tutoring", "szse_main", D(2025, 2, 1)),)


def test_withdrawal_and_re_filing():
    # The records arrive in any order; the latest is 申报受理 at the BSE of the second filing.
    state = derive(reversed(A_STEPS), D(2026, 1, 12))
    assert state.stage == "accepted"
    assert state.venue == "bse"
    assert state.since == D(2025, 10, 15)
    # 2025-10-15 → 2026-01-12: 16 days to 10-31, + 30 (Nov) + 31 (Dec) + 12 = 89
    assert state.days_in_stage == 89
    assert state.attempts == 2


def test_withdrawn_is_the_stage_until_a_new_filing():
    state = derive(A_STEPS[:3], D(2025, 2, 1))
    assert state.stage == "withdrawn"
    assert state.since == D(2025, 1, 20)
    assert state.days_in_stage == 12  # 01-20 → 02-01: 11 + 1
    assert state.attempts == 1


def test_a_withdrawal_on_the_day_of_acceptance_comes_after_it():
    same_day = (Step("withdrawn", "bse", D(2025, 5, 5)), Step("accepted", "bse", D(2025, 5, 5)))
    assert derive(same_day, D(2025, 5, 6)).stage == "withdrawn"


def test_a_repeated_record_of_the_same_stage_keeps_the_first_date():
    steps = (Step("accepted", "bse", D(2025, 3, 1)), Step("accepted", "bse", D(2025, 6, 1)))
    state = derive(steps, D(2025, 6, 11))
    assert state.since == D(2025, 3, 1)
    assert state.days_in_stage == 102  # 03-01 → 06-11: 30 (to 03-31) + 1 + 30 (Apr) + 31 (May) + 10 = 102


def test_quoting_on_the_regional_board_is_apart_from_listing():
    quoted_only = derive((Step("quoted", "gdec", D(2023, 6, 1)),), D(2025, 1, 1))
    assert quoted_only.stage == NOT_STARTED
    assert quoted_only.quoted_on == D(2023, 6, 1)
    with_road = derive((*C_STEPS, Step("quoted", "gdec", D(2025, 6, 1))), D(2025, 7, 1))
    assert with_road.stage == "tutoring"  # the later 挂牌 does not move the listing stage
    assert with_road.quoted_on == D(2025, 6, 1)
    assert with_road.venue == "szse_main"


TODAY = D(2026, 1, 12)


def _rows(today=TODAY):
    return [
        Row("A", "台山市", "bse", A_STEPS, derive(A_STEPS, today)),
        Row("B", "开平市", "sse_star", B_STEPS, derive(B_STEPS, today)),
        Row("C", "台山市", "szse_main", C_STEPS, derive(C_STEPS, today)),
        Row("D", "鹤山市", "bse", (), derive((), today)),  # on the reserve list, no record yet
    ]


def test_funnel_by_hand():
    f = funnel(_rows())
    assert f.total == 4
    assert f.by_stage == {"accepted": 1, "listed": 1, "tutoring": 1, NOT_STARTED: 1}
    assert f.by_venue == {"bse": 2, "sse_star": 1, "szse_main": 1}
    assert f.by_county == {"台山市": 2, "开平市": 1, "鹤山市": 1}
    steps = {s.stage: s for s in f.steps}
    # reached: 辅导备案 A, B, C (D has no record) = 3; 申报受理 A, B = 2; 审核通过 … 上市 only B = 1
    assert [(s.reached, s.reached_next) for s in f.steps] == [(3, 2), (2, 1), (1, 1), (1, 1)]
    assert steps["tutoring"].conversion.quantize(Decimal("0.01")) == Decimal("66.67")  # 2 / 3
    assert steps["accepted"].conversion == Decimal(50)  # 1 / 2
    assert steps["approved"].conversion == Decimal(100)
    # 辅导备案 → 申报受理 per filing: A1 2024-03-01→09-10 = 193 (184 to 09-01, + 9); A2 2025-04-01→10-15
    # = 197 (183 to 10-01, + 14); B 2024-01-10→05-10 = 31 + 29 + 31 + 30 = 121. Median of 121, 193, 197 = 193.
    assert steps["tutoring"].median_days == Decimal(193)
    assert steps["tutoring"].observations == 3
    # 申报受理 → 审核通过: B 2024-05-10→11-06 = 184 (to 11-10) - 4 = 180 (A's first filing was withdrawn)
    assert steps["accepted"].median_days == Decimal(180)
    assert steps["approved"].median_days == Decimal(30)  # 11-06 → 12-06
    assert steps["registered"].median_days == Decimal(40)  # 12-06 → 01-15: 25 + 15


def test_median_of_an_even_number_of_filings_is_the_mean_of_the_middle_two():
    rows = [
        Row(
            1, "台山市", "bse", (Step("tutoring", "bse", D(2025, 1, 1)), Step("accepted", "bse", D(2025, 1, 11))), None
        ),
        Row(
            2, "台山市", "bse", (Step("tutoring", "bse", D(2025, 1, 1)), Step("accepted", "bse", D(2025, 1, 16))), None
        ),
    ]
    rows = [Row(r.key, r.county, r.venue, r.steps, derive(r.steps, D(2025, 2, 1))) for r in rows]
    assert funnel(rows).steps[0].median_days == Decimal("12.5")  # (10 + 15) / 2


def test_projection_by_hand():
    today = D(2026, 11, 30)

    def row(key, stage, since, counts=True):
        return Row(
            key, "台山市", "bse", (Step(stage, "bse", since),), derive((Step(stage, "bse", since),), today), counts
        )

    rows = [
        row("A", "accepted", D(2025, 10, 15)),  # + 365 days = 2026-10-15 ≤ 2026-12-31: likely, weight 0.60
        row("E", "approved", D(2026, 11, 1)),  # + 120 = 2027-03-01 (30 + 31 + 31 + 28): after the horizon
        row("F", "registered", D(2026, 12, 10) - dt.timedelta(days=20)),  # 11-20 + 30 = 12-20: likely, 0.98
        row("G", "registered", D(2026, 11, 30)),  # + 30 = 2026-12-30: likely, 0.98
        row("H", "accepted", D(2026, 1, 1), counts=False),  # no title that counts: left out
        row("B", "listed", D(2025, 1, 15)),  # listed already: in ``listed``, not projected
        row("C", "tutoring", D(2025, 2, 1)),  # before 申报受理: not projected
    ]
    rules = {
        "accepted": Assumption("accepted", Decimal(60), 365),
        "approved": Assumption("approved", Decimal(90), 120),
        "registered": Assumption("registered", Decimal(98), 30),
    }
    p = project(rows, rules, horizon=D(2026, 12, 31), listed=4)
    by_key = {r.row.key: r for r in p.rows}
    assert by_key["A"].expected_on == D(2026, 10, 15)
    assert by_key["E"].expected_on == D(2027, 3, 1) and not by_key["E"].within
    assert by_key["F"].expected_on == D(2026, 12, 20)
    assert by_key["G"].expected_on == D(2026, 12, 30)
    assert p.in_review == 4  # A, E, F, G
    assert p.left_out == 1  # H
    assert p.likely == 3  # A, F, G
    assert p.expected == Decimal("2.56")  # 0.60 + 0.98 + 0.98
    assert p.total_expected == Decimal("6.56")  # 4 listed + 2.56
    assert p.total_if_all_list == 7  # 4 + 3

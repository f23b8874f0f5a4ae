"""The rules as pure functions: order, reasons, and the first failing rule deciding."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.domain import rules
from jobs.domain.calendar import due_window
from jobs.domain.model import (
    SKIP_ALREADY_SUBMITTED,
    SKIP_ATTEMPT_CAP,
    SKIP_INVALID,
    SKIP_STALE,
    SKIP_VALID_CARD,
    SUBMIT_ACH,
    Card,
    Float,
    FloatHistory,
)

WINDOW = due_window(date(2026, 11, 20))  # a Friday: Saturday through Monday
DUE = date(2026, 11, 23)
GOOD = Float(1, 10, "SCHEDULING", 5000, DUE)


def card(**kw):
    base = dict(card_id="c", last4="4242", is_primary=True, status="ACTIVE", exp_month=12, exp_year=2027)
    return Card(**{**base, **kw})


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (Float(1, 10, "SCHEDULING", 0, DUE), "amount_cents is 0"),
        (Float(1, 10, "SCHEDULING", -5, DUE), "amount_cents is -5"),
        (Float(1, 10, "SCHEDULING", None, DUE), "amount_cents is missing"),
        (Float(1, None, "SCHEDULING", 5000, DUE), "user_id is missing"),
        (Float(1, 10, "SCHEDULING", 5000, None), "due_date is missing"),
        (Float(1, 10, "SCHEDULING", 5000, date(2026, 11, 24)), "outside the window"),
        (Float(1, 10, "SCHEDULING", 5000, date(2026, 11, 20)), "outside the window"),
        (Float(1, 10, "PAID", 5000, DUE), "not SCHEDULING"),
    ],
)
def test_validity_rejects_malformed_rows(row, fragment):
    result = rules.check_validity(row, WINDOW)
    assert result.failed and result.verdict == SKIP_INVALID and fragment in result.reason


def test_window_edges_are_inside():
    for due in (date(2026, 11, 21), date(2026, 11, 23)):
        assert not rules.check_validity(Float(1, 10, "SCHEDULING", 1, due), WINDOW).failed


@pytest.mark.parametrize(
    ("current", "fragment"),
    [
        (None, "gone from main"),
        (Float(1, 10, "PAID", 5000, DUE), "status 'PAID'"),
        (Float(1, 10, "SCHEDULING", 5000, date(2026, 11, 22)), "due 2026-11-22"),
        (Float(1, 10, "SCHEDULING", 4000, DUE), "amount 4000"),
    ],
)
def test_refetch_guard(current, fragment):
    result = rules.check_refetch(GOOD, current)
    assert result.verdict == SKIP_STALE and fragment in result.reason


def test_history_rule():
    assert rules.check_history(FloatHistory(True, 1, None, "pay_1"), 3).verdict == SKIP_ALREADY_SUBMITTED
    assert rules.check_history(FloatHistory(False, 3), 3).verdict == SKIP_ATTEMPT_CAP
    assert not rules.check_history(FloatHistory(False, 2), 3).failed
    assert "resubmitting" in rules.check_history(FloatHistory(False, 1, "k"), 3).reason


@pytest.mark.parametrize(
    ("cards", "verdict", "fragment"),
    [
        ([card()], SKIP_VALID_CARD, "••4242 is ACTIVE through 12/2027"),
        ([card(exp_month=11, exp_year=2026)], SKIP_VALID_CARD, "11/2026"),  # good through month end
        ([card(exp_month=10, exp_year=2026)], None, "expires 10/2026"),
        ([card(status="INACTIVE")], None, "INACTIVE"),
        ([card(status="BLOCKED")], None, "BLOCKED"),
        ([card(is_primary=False)], None, "no primary"),
        ([], None, "no debit card"),
        ([card(status="BLOCKED"), card(card_id="d", last4="1111")], SKIP_VALID_CARD, "••1111"),
    ],
)
def test_debit_card_rule(cards, verdict, fragment):
    result = rules.check_debit_card(cards, DUE)
    assert result.verdict == verdict and fragment in result.reason


def test_first_failing_rule_decides_and_all_pass_is_submit():
    results = [
        rules.check_validity(GOOD, WINDOW),
        rules.check_refetch(GOOD, Float(1, 10, "PAID", 5000, DUE)),
        rules.check_history(FloatHistory(True, 9), 3),
        rules.check_debit_card([card()], DUE),
    ]
    decided = rules.decide(GOOD, results)
    assert decided.verdict == SKIP_STALE and [r.rule for r in decided.rules] == list(rules.RULES)
    ok = rules.decide(
        GOOD,
        [
            rules.check_validity(GOOD, WINDOW),
            rules.check_refetch(GOOD, GOOD),
            rules.check_history(FloatHistory(), 3),
            rules.check_debit_card([], DUE),
        ],
    )
    assert ok.verdict == SUBMIT_ACH and "no debit card" in ok.reason
    with pytest.raises(ValueError):
        rules.decide(GOOD, [rules.check_validity(GOOD, WINDOW)])


cards_strategy = st.lists(
    st.builds(
        card,
        is_primary=st.booleans(),
        status=st.sampled_from(["ACTIVE", "INACTIVE", "BLOCKED"]),
        exp_month=st.integers(1, 12),
        exp_year=st.integers(2024, 2029),
    ),
    max_size=4,
)


@given(
    amount=st.one_of(st.none(), st.integers(-(10**6), 10**7)),
    user=st.one_of(st.none(), st.integers(1, 10**6)),
    due=st.one_of(st.none(), st.dates(date(2026, 11, 15), date(2026, 11, 30))),
    stale=st.booleans(),
    history=st.builds(FloatHistory, st.booleans(), st.integers(0, 6)),
    cards=cards_strategy,
)
def test_submit_only_when_every_rule_passes(amount, user, due, stale, history, cards):
    row = Float(1, user, "SCHEDULING", amount, due)
    current = Float(1, user, "PAID" if stale else "SCHEDULING", amount, due)
    results = [
        rules.check_validity(row, WINDOW),
        rules.check_refetch(row, current),
        rules.check_history(history, 3),
    ]
    results.append(rules.check_debit_card(cards, due) if due else rules.not_checked("debit_card"))
    if not any(r.failed for r in results) and due is None:
        return
    decided = rules.decide(row, results)
    if decided.verdict == SUBMIT_ACH:
        assert amount and amount > 0 and user is not None and due is not None and WINDOW.contains(due)
        assert not stale and not history.already_submitted and history.ach_attempts < 3
        assert not any(c.is_primary and c.valid_on(due) for c in cards)
    else:
        first = next(r for r in decided.rules if r.failed)
        assert decided.verdict == first.verdict and decided.reason == first.reason


def test_a_pending_ach_is_resolved_before_the_card_path():
    result = rules.check_debit_card([card()], DUE, pending_key="day-before-ach:1:2026-11-23")
    assert not result.failed and "pending" in result.reason

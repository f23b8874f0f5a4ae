"""The rules as pure functions: order, reasons, and the first failing rule deciding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
from jobs.domain.records import FloatEvent, summarize, unresolved_keys

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


# -- the history fold: which keys may hold a payment nobody confirmed (jobs/domain/records.py) -------------

FRIDAY_DUE, MONDAY_DUE = date(2026, 11, 21), date(2026, 11, 24)
OLD_KEY = "day-before-ach:1:2026-11-21"


def _events(*specs):
    """FloatEvents one second apart: (outcome, run_id, key[, refused])."""
    start = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    return [
        FloatEvent(
            1,
            spec[1],
            spec[0],
            FRIDAY_DUE,
            event_at=start + timedelta(seconds=i),
            idempotency_key=spec[2],
            refused=spec[3] if len(spec) > 3 else False,
        )
        for i, spec in enumerate(specs)
    ]


@pytest.mark.parametrize(
    ("specs", "unresolved"),
    [
        # The double debit: the POST may have been stored (timeout, wrong echo, 5xx after storing).
        ((("ACH_PENDING", "fri", OLD_KEY), ("FAILED", "fri", OLD_KEY)), True),
        # A refusal on the first attempt: Payments took nothing.
        ((("ACH_PENDING", "fri", OLD_KEY), ("FAILED", "fri", OLD_KEY, True)), False),
        # Killed between the two writes.
        ((("ACH_PENDING", "fri", OLD_KEY),), True),
        # The same run's outcome without a key: that attempt never went out (re-read of main failed).
        ((("ACH_PENDING", "fri", OLD_KEY), ("FAILED", "fri", None)), False),
        ((("ACH_PENDING", "fri", OLD_KEY), ("SKIP_STALE", "fri", None)), False),
        # ... but another run's FAILED without a key (an outage) says nothing about a crashed pending.
        ((("ACH_PENDING", "fri", OLD_KEY), ("FAILED", "sat", None)), True),
        # A crashed pending, then a rerun that sent nothing: the crashed one may still hold a payment.
        ((("ACH_PENDING", "fri", OLD_KEY), ("ACH_PENDING", "sat", OLD_KEY), ("FAILED", "sat", None)), True),
        # A skip at a retry after an earlier attempt went out carries the key: unknown.
        ((("ACH_PENDING", "fri", OLD_KEY), ("SKIP_STALE", "fri", OLD_KEY)), True),
        # A refusal speaks for its own attempt only, not for an earlier unknown one.
        (
            (
                ("ACH_PENDING", "fri", OLD_KEY),
                ("FAILED", "fri", OLD_KEY),
                ("ACH_PENDING", "sat", OLD_KEY),
                ("FAILED", "sat", OLD_KEY, True),
            ),
            True,
        ),
        # Resolved: replayed, found by a 409 or a read-back, read back as not held, returned.
        ((("ACH_PENDING", "fri", OLD_KEY), ("FAILED", "fri", OLD_KEY), ("SUBMITTED", "sat", OLD_KEY)), False),
        ((("ACH_PENDING", "fri", OLD_KEY), ("FAILED", "fri", OLD_KEY), ("ACH_FOUND", "mon", OLD_KEY)), False),
        (
            (("ACH_PENDING", "fri", OLD_KEY), ("FAILED", "fri", OLD_KEY), ("ACH_NOT_FOUND", "mon", OLD_KEY)),
            False,
        ),
    ],
)
def test_a_key_whose_outcome_is_unknown_stays_unresolved(specs, unresolved):
    events = _events(*specs)
    assert (unresolved_keys(events) == {FRIDAY_DUE: OLD_KEY}) is unresolved
    # Another due date (main moved it) is blocked exactly while the old key is unresolved ...
    moved = summarize(events, MONDAY_DUE)
    assert (moved.other_pending_key == OLD_KEY) is unresolved
    assert (rules.check_history(moved, 3, MONDAY_DUE).verdict == SKIP_ALREADY_SUBMITTED) is (
        unresolved or moved.already_submitted
    )
    # ... and the same due date resends under the same key (200 or 409 then says what Payments holds).
    assert (summarize(events, FRIDAY_DUE).pending_key == OLD_KEY) is unresolved


def test_an_outage_failed_without_a_key_is_no_attempt_and_blocks_nothing():
    history = summarize(_events(("FAILED", "fri", None)), MONDAY_DUE)
    assert (history.ach_attempts, history.other_pending_key, history.already_submitted) == (0, None, False)


def test_the_refused_flag_round_trips_and_absent_reads_as_maybe_stored():
    refused, unknown = _events(("FAILED", "fri", OLD_KEY, True), ("FAILED", "fri", OLD_KEY))
    assert FloatEvent.from_item(refused.values()).refused is True
    assert "refused" not in {k for k, v in unknown.values().items() if v is not None}
    assert FloatEvent.from_item(unknown.values()).refused is False

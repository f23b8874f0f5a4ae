"""The signed-off preview against what the run did (jobs.finance.diff): each float's status and the totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from jobs.domain.records import FloatEvent
from jobs.finance.diff import compare

DUE = date(2026, 11, 23)
T0 = datetime(2026, 11, 21, 0, 5, tzinfo=UTC)


def _row(float_id: int, verdict: str, cents: int) -> dict:
    return {"float_id": float_id, "verdict": verdict, "amount_cents": cents}


def _event(float_id: int, outcome: str, cents: int, at: int = 0, reason: str = "") -> FloatEvent:
    return FloatEvent(
        float_id,
        "run-1",
        outcome,
        DUE,
        event_at=T0 + timedelta(seconds=at),
        amount_cents=cents,
        reason=reason,
    )


def test_each_float_is_same_changed_new_or_missing():
    preview = {
        "rows": [
            _row(1, "SUBMIT_ACH", 5000),  # submitted as planned
            _row(2, "SUBMIT_ACH", 7000),  # planned, but the card path took it
            _row(3, "SKIP_VALID_CARD", 900),  # skipped as planned
            _row(4, "SUBMIT_ACH", 1200),  # the run never reached it
        ]
    }
    events = [
        _event(1, "ACH_PENDING", 5000, at=0),
        _event(1, "SUBMITTED", 5000, at=1),
        _event(2, "SKIP_VALID_CARD", 7000, reason="primary card added at 18:40"),
        _event(3, "SKIP_VALID_CARD", 900),
        _event(5, "SUBMITTED", 300, reason="accepted"),  # not in the preview
    ]
    diffs, totals = compare(preview, events)
    by_id = {d.float_id: d for d in diffs}
    assert {i: d.status for i, d in by_id.items()} == {
        1: "same",
        2: "changed",
        3: "same",
        4: "missing",
        5: "new",
    }
    assert by_id[2].reason == "primary card added at 18:40" and by_id[1].reason == ""
    assert by_id[4].actual is None and by_id[5].planned is None
    assert totals["planned"] == {"submit_count": 3, "amount_cents": 13200}
    assert totals["actual"] == {"submitted_count": 2, "amount_cents": 5300}
    assert totals["delta"] == {"count": -1, "amount_cents": -7900}
    assert totals["outcomes"] == {"SUBMITTED": 2, "SKIP_VALID_CARD": 2}


def test_the_last_outcome_of_a_float_counts_and_a_pending_alone_is_missing():
    preview = {"rows": [_row(1, "SUBMIT_ACH", 5000), _row(2, "SUBMIT_ACH", 4000)]}
    events = [
        _event(1, "FAILED", 5000, at=2, reason="503"),
        _event(1, "SUBMITTED", 5000, at=5),  # a later retry in the same run
        _event(2, "ACH_PENDING", 4000, at=1),  # killed before the outcome
    ]
    diffs, totals = compare(preview, events)
    assert [(d.float_id, d.status, d.actual) for d in diffs] == [
        (1, "same", "SUBMITTED"),
        (2, "missing", None),
    ]
    assert totals["delta"] == {"count": -1, "amount_cents": -4000}


def test_the_outcome_is_the_same_whatever_order_the_events_come_in():
    """History pages a run's events newest first; the fold must not depend on being handed them sorted."""
    preview = {"rows": [_row(1, "SUBMIT_ACH", 5000), _row(2, "SUBMIT_ACH", 4000)]}
    events = [
        _event(1, "ACH_PENDING", 5000, at=0),
        _event(1, "FAILED", 5000, at=2, reason="503"),
        _event(1, "SUBMITTED", 5000, at=5),
        _event(2, "ACH_PENDING", 4000, at=1),
        _event(2, "SUBMITTED", 4000, at=3),
    ]
    oldest_first = compare(preview, events)
    assert compare(preview, reversed(events)) == oldest_first
    assert [(d.float_id, d.actual) for d in oldest_first[0]] == [(1, "SUBMITTED"), (2, "SUBMITTED")]

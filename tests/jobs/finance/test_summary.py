"""The finance summary's fold of a run's events (jobs.finance.summary.RunTally): what it keeps of them."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from jobs.domain.records import FloatEvent, RunRecord
from jobs.finance.summary import RunTally, night_summary

DUE = date(2026, 11, 23)
T0 = datetime(2026, 11, 21, 0, 5, tzinfo=UTC)
RUN = RunRecord("run-1", DUE, date(2026, 11, 20), T0, status="FAILED", counts={"FAILED": 10})


def _event(float_id: int, outcome: str, at: int = 0) -> FloatEvent:
    return FloatEvent(float_id, "run-1", outcome, DUE, event_at=T0 + timedelta(seconds=at), amount_cents=100)


def _night(n: int, alive: weakref.WeakSet[FloatEvent], most: list[int]) -> Iterator[FloatEvent]:
    """n floats, every 1000th FAILED, newest first (as history pages them); counts the events alive."""
    for float_id in range(n, 0, -1):
        event = _event(float_id, "FAILED" if float_id % 1000 == 0 else "SKIP_INVALID", at=float_id)
        alive.add(event)
        most[0] = max(most[0], len(alive))
        yield event


def test_without_a_signed_off_preview_the_tally_holds_one_event_at_a_time_and_the_failed_ids_only():
    alive: weakref.WeakSet[FloatEvent] = weakref.WeakSet()
    most = [0]
    tally = RunTally.of(_night(10_000, alive, most), keep_outcomes=False)
    assert most[0] <= 2 and len(alive) == 0  # the one being folded and the one just produced
    assert tally.outcomes is None and tally.failed == set(range(1000, 10_001, 1000))
    summary = night_summary("sandbox", RUN, tally, None)
    assert summary["failed_floats"] == list(range(1000, 10_001, 1000)) and summary["failed_count"] == 10
    assert summary["signed_off_preview"] is None


def test_with_a_signed_off_preview_the_tally_keeps_each_floats_outcome_not_its_events():
    events = [
        _event(1, "ACH_PENDING", at=0),
        _event(1, "SUBMITTED", at=1),
        _event(2, "ACH_PENDING", at=2),  # killed before its outcome: no outcome
        _event(3, "FAILED", at=3),
    ]
    tally = RunTally.of(reversed(events), keep_outcomes=True)
    assert tally.outcomes == {1: events[1], 3: events[3]} and tally.failed == {3}
    preview = {
        "rows": [
            {"float_id": 1, "verdict": "SUBMIT_ACH", "amount_cents": 100},
            {"float_id": 2, "verdict": "SUBMIT_ACH", "amount_cents": 100},
        ]
    }
    against = night_summary("sandbox", RUN, tally, ("s3://b/previews/p.json", preview))["signed_off_preview"]
    assert against["differing"] == {"changed": 0, "new": 1, "missing": 1}
    assert against["totals"]["delta"] == {"count": -1, "amount_cents": -100}

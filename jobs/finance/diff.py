"""What a run did against the preview finance signed off, float by float, with the totals' delta."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from jobs.domain.model import SUBMIT_ACH, SUBMITTED

# A verdict and the run outcome that carries it out.
EXPECTED_OUTCOME = {SUBMIT_ACH: SUBMITTED}


@dataclass(frozen=True)
class FloatDiff:
    float_id: int
    status: str  # same | changed | new | missing
    planned: str | None
    actual: str | None
    planned_amount_cents: int | None
    actual_amount_cents: int | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def compare(preview: dict[str, Any], events: list[Any]) -> tuple[list[FloatDiff], dict[str, Any]]:
    """Per float: same, changed (with the run's reason), new, or missing; then the totals."""
    planned = {r["float_id"]: r for r in preview["rows"]}
    actual: dict[int, Any] = {}
    for event in sorted(events, key=lambda e: e.event_at):
        if event.outcome != "ACH_PENDING":
            actual[event.float_id] = event  # the last outcome of the run for that float
    diffs = []
    for float_id in sorted(set(planned) | set(actual)):
        row, event = planned.get(float_id), actual.get(float_id)
        if row is None:
            diffs.append(
                FloatDiff(
                    float_id,
                    "new",
                    None,
                    event.outcome,
                    None,
                    event.amount_cents,
                    f"not in the preview: {event.reason}",
                )
            )
        elif event is None:
            diffs.append(
                FloatDiff(
                    float_id,
                    "missing",
                    row["verdict"],
                    None,
                    row["amount_cents"],
                    None,
                    "the run has no outcome for it (interrupted, or gone from the window)",
                )
            )
        else:
            expected = EXPECTED_OUTCOME.get(row["verdict"], row["verdict"])
            same = event.outcome == expected
            diffs.append(
                FloatDiff(
                    float_id,
                    "same" if same else "changed",
                    row["verdict"],
                    event.outcome,
                    row["amount_cents"],
                    event.amount_cents,
                    "" if same else event.reason,
                )
            )
    return diffs, totals(preview, actual)


def totals(preview: dict[str, Any], actual: dict[int, Any]) -> dict[str, Any]:
    planned_submit = [r for r in preview["rows"] if r["verdict"] == SUBMIT_ACH]
    submitted = [e for e in actual.values() if e.outcome == SUBMITTED]
    planned_cents = sum(r["amount_cents"] or 0 for r in planned_submit)
    actual_cents = sum(e.amount_cents or 0 for e in submitted)
    return {
        "planned": {"submit_count": len(planned_submit), "amount_cents": planned_cents},
        "actual": {"submitted_count": len(submitted), "amount_cents": actual_cents},
        "delta": {
            "count": len(submitted) - len(planned_submit),
            "amount_cents": actual_cents - planned_cents,
        },
        "outcomes": dict(Counter(e.outcome for e in actual.values())),
    }

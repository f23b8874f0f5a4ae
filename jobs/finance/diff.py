"""What a run did against the preview finance signed off, float by float, with the totals' delta."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jobs.domain.model import ACH_PENDING, SUBMIT_ACH, SUBMITTED

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


def keep_outcome(actual: dict[int, Any], event: Any) -> None:
    """Fold one of the run's events into `actual`: each float's last event other than ACH_PENDING
    (the outcome of the run for that float; of two at the same moment, the one folded later).
    Events may come in any order, one at a time, so a reader need not hold them all."""
    if event.outcome == ACH_PENDING:
        return
    held = actual.get(event.float_id)
    if held is None or event.event_at >= held.event_at:
        actual[event.float_id] = event


def compare(preview: dict[str, Any], events: Iterable[Any]) -> tuple[list[FloatDiff], dict[str, Any]]:
    """Per float: same, changed (with the run's reason), new, or missing; then the totals."""
    actual: dict[int, Any] = {}
    for event in events:
        keep_outcome(actual, event)
    return compare_outcomes(preview, actual)


def compare_outcomes(
    preview: dict[str, Any], actual: dict[int, Any]
) -> tuple[list[FloatDiff], dict[str, Any]]:
    """`compare` over each float's outcome, already folded (keep_outcome)."""
    planned = {r["float_id"]: r for r in preview["rows"]}
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

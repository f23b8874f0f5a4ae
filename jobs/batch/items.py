"""What moves through the pipeline: the typed queue items and each float's outcome."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jobs.domain.calendar import DueWindow
from jobs.domain.leases import Lease
from jobs.domain.model import Float
from jobs.domain.records import utc_now
from jobs.domain.rules import Evaluation
from jobs.errors import EXIT_OK


@dataclass(frozen=True)
class EvalItem:
    """A replica row waiting for an evaluation worker."""

    row: Float


@dataclass(frozen=True)
class SubmitItem:
    """A SUBMIT_ACH float waiting for a submitter: handed over locked (`lease`) or from the backlog."""

    row: Float
    evaluation: Evaluation
    lease: Lease | None
    span: Any  # the float's span, finished by the submitter


@dataclass(frozen=True)
class Done:
    """Tells a worker or submitter that nothing more will come."""


DONE = Done()


@dataclass(frozen=True)
class FloatOutcome:
    """What a real run did with one float."""

    float: Float
    outcome: str
    reason: str
    payment_id: str | None = None
    evaluation: Evaluation | None = None


@dataclass
class RunSummary:
    """The end of a run, as the summary table and `--output json` show it."""

    run_id: str
    run_date: date
    window: DueWindow
    status: str = "RUNNING"
    counts: Counter[str] = field(default_factory=Counter)
    submitted_amount_cents: int = 0
    exit_code: int = EXIT_OK
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "run_date": self.run_date.isoformat(),
            "due_window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            "status": self.status,
            "counts": dict(sorted(self.counts.items())),
            "submitted_amount_cents": self.submitted_amount_cents,
            "exit_code": self.exit_code,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error,
        }

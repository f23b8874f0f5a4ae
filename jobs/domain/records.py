"""What the history table records: per-float events and per-run records, and the fold the rules read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from jobs.domain.keys import float_pk, run_pk
from jobs.domain.model import (
    ACH_ATTEMPT_OUTCOMES,
    ACH_FOUND,
    ACH_NOT_FOUND,
    ACH_PENDING,
    ACH_RETURNED,
    FAILED,
    SUBMITTED,
    FloatHistory,
)

RUN_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "INTERRUPTED")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class FloatEvent:
    """One thing that happened to one float in one run."""

    float_id: int
    run_id: str
    outcome: str
    due_date: date
    event_at: datetime = field(default_factory=utc_now)
    user_id: int | None = None
    amount_cents: int | None = None
    reason: str = ""
    payment_id: str | None = None
    idempotency_key: str | None = None
    actor: str = "day-before-ach"
    #: A FAILED whose answer said Payments did not take the order (a 4xx other than 409/429 on the first
    #: attempt). Any other FAILED with a key may have been stored (a timeout, a 5xx, a wrong echo).
    refused: bool = False

    def values(self) -> dict[str, Any]:
        """The stored attributes, keys included (the adapter marshals them)."""
        values = asdict(self)
        values.update(
            pk=float_pk(self.float_id),
            sk=f"{iso(self.event_at)}#{self.run_id}",
            kind="float_event",
            due_date=self.due_date.isoformat(),
            event_at=iso(self.event_at),
            refused=True if self.refused else None,  # absent (older items too) reads as "may be stored"
        )
        return values

    @classmethod
    def from_item(cls, values: dict[str, Any]) -> FloatEvent:
        return cls(
            float_id=int(values["float_id"]),
            run_id=values["run_id"],
            outcome=values["outcome"],
            due_date=date.fromisoformat(values["due_date"]),
            event_at=datetime.fromisoformat(values["event_at"].replace("Z", "+00:00")),
            user_id=values.get("user_id"),
            amount_cents=values.get("amount_cents"),
            reason=values.get("reason", ""),
            payment_id=values.get("payment_id"),
            idempotency_key=values.get("idempotency_key"),
            actor=values.get("actor", ""),
            refused=bool(values.get("refused", False)),
        )


@dataclass(frozen=True)
class RunRecord:
    """One run of the batch for one due date; rewritten in place as its status changes."""

    run_id: str
    due_date: date
    run_date: date
    started_at: datetime
    status: str = "RUNNING"
    started_by: str = "schedule"
    task_arn: str | None = None
    finished_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    submitted_amount_cents: int = 0
    dry_run: bool = False

    def values(self) -> dict[str, Any]:
        """The stored attributes, keys included (the adapter marshals them)."""
        values = asdict(self)
        values.update(
            pk=run_pk(self.due_date),
            sk=f"{iso(self.started_at)}#{self.run_id}",
            kind="run",
            due_date=self.due_date.isoformat(),
            run_date=self.run_date.isoformat(),
            started_at=iso(self.started_at),
            finished_at=iso(self.finished_at) if self.finished_at else None,
        )
        return values

    @classmethod
    def from_item(cls, values: dict[str, Any]) -> RunRecord:
        finished = values.get("finished_at")
        return cls(
            run_id=values["run_id"],
            due_date=date.fromisoformat(values["due_date"]),
            run_date=date.fromisoformat(values["run_date"]),
            started_at=datetime.fromisoformat(values["started_at"].replace("Z", "+00:00")),
            status=values["status"],
            started_by=values.get("started_by", ""),
            task_arn=values.get("task_arn"),
            finished_at=datetime.fromisoformat(finished.replace("Z", "+00:00")) if finished else None,
            counts={k: int(v) for k, v in (values.get("counts") or {}).items()},
            submitted_amount_cents=int(values.get("submitted_amount_cents", 0)),
            dry_run=bool(values.get("dry_run", False)),
        )


def unresolved_keys(events: list[FloatEvent]) -> dict[date, str]:
    """Per due date, the idempotency key that may hold a payment nobody has confirmed or ruled out.

    A key is unresolved after an `ACH_PENDING` with no outcome (the process stopped between the two
    writes), or after a `FAILED` that carries the key and was not a refusal (the order went out and its
    answer was lost, late, or did not echo it: Payments may have stored it). `SUBMITTED`, `ACH_FOUND`,
    `ACH_RETURNED` and `ACH_NOT_FOUND` (a read-back found nothing) resolve it. An event without a key
    written by the run that wrote the pending means that attempt sent nothing (its pending is void);
    a refusal resolves only its own attempt. See docs/decisions/unknown-outcomes.md.
    """
    sent: dict[date, str] = {}  # an earlier attempt went out; its outcome is unknown
    in_flight: dict[date, FloatEvent] = {}  # the latest ACH_PENDING without an outcome
    for event in sorted(events, key=lambda e: e.event_at):
        due, key = event.due_date, event.idempotency_key
        pending = in_flight.get(due)
        if event.outcome == ACH_PENDING:
            if pending is not None and pending.idempotency_key:
                sent[due] = pending.idempotency_key  # that pending never got its outcome
            in_flight[due] = event
        elif event.outcome in (SUBMITTED, ACH_FOUND, ACH_RETURNED, ACH_NOT_FOUND):
            in_flight.pop(due, None)
            sent.pop(due, None)
        elif key:  # an attempt went out (a FAILED, or a skip at a retry after one that went out)
            in_flight.pop(due, None)
            if not (event.outcome == FAILED and event.refused):
                sent[due] = key
        elif pending is not None and pending.run_id == event.run_id:
            in_flight.pop(due)  # the same run's outcome without a key: nothing went out
    unresolved = dict(sent)
    unresolved.update({d: e.idempotency_key for d, e in in_flight.items() if e.idempotency_key})
    return unresolved


def summarize(events: list[FloatEvent], due_date: date) -> FloatHistory:
    """Fold a float's events into what the history rule needs for `due_date`.

    An ACH submitted for this float blocks another one whatever its due date, until an ACH_RETURNED
    event says Payments returned or failed it (main may move a due date after the ACH was sent: the
    new date's key would pay the float twice). A key of another due date whose outcome is unknown
    (`unresolved_keys`) blocks too, until it is read back. See docs/rules-and-verdicts.md.
    """
    ordered = sorted(events, key=lambda e: e.event_at)
    returned = {e.idempotency_key or e.payment_id for e in ordered if e.outcome == ACH_RETURNED}
    live = [
        e
        for e in ordered
        if e.outcome in (SUBMITTED, ACH_FOUND)
        and (e.idempotency_key or e.payment_id) not in returned
        and e.payment_id not in returned
    ]
    same_due = [e for e in live if e.due_date == due_date]
    blocking = (same_due or live)[-1] if live else None
    # An attempt is a call to Payments: a FAILED that never reached it (a users-service outage) has no key.
    attempts = sum(1 for e in events if e.outcome in ACH_ATTEMPT_OUTCOMES and e.idempotency_key)
    unresolved = unresolved_keys(ordered)
    other_pending = next((k for d, k in sorted(unresolved.items()) if d != due_date), None)
    return FloatHistory(
        already_submitted=blocking is not None,
        ach_attempts=attempts,
        pending_key=unresolved.get(due_date),
        payment_id=blocking.payment_id if blocking else None,
        submitted_due_date=blocking.due_date if blocking else None,
        other_pending_key=other_pending,
    )

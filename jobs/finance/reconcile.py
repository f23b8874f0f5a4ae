"""Reconcile one night: our collection-history against the Payments Service's own record, by key.

Each idempotency key the night's runs touched is looked up at Payments (GET by key). What we recorded
last for the key is compared with what the partner holds:

- `pending-without-payment`: we wrote ACH_PENDING (about to send) and nothing after; Payments has no
  payment. The send never arrived: the float was not paid, and a rerun will submit it.
- `payment-not-recorded`: Payments holds a payment under the key but our last word is ACH_PENDING or
  nothing: the answer was lost (a crash, a timeout). A rerun replays the key and records it.
- `failed-but-accepted`: we recorded FAILED but Payments accepted the order: money moves that our
  history calls a failure.
- `submitted-without-payment`: we recorded SUBMITTED (or ACH_FOUND: a 409 read the payment back),
  Payments knows no such payment.
- `amount-mismatch` / `effective-date-mismatch`: both sides have it, with different money or date.
- `payment-not-accepted`: we recorded SUBMITTED (or ACH_FOUND), Payments holds the payment with a
  `status` other than ACCEPTED (e.g. RETURNED) and the float's history records no ACH_RETURNED for it:
  history still blocks the float as paid while the money did not stay collected.

Every key the batch sends is first written as ACH_PENDING, so every payment the night made has a key
in collection-history: looking keys up finds them all, and Payments needs no list call.

A clean night yields no finding. Reconcile reads and reports; it writes nothing (docs/data-contracts.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jobs.domain.calendar import due_window
from jobs.domain.model import ACH_FOUND, ACH_PENDING, ACH_RETURNED, FAILED, SUBMITTED
from jobs.domain.records import FloatEvent
from jobs.finance.ports import FinanceRuntime

KINDS = (
    "pending-without-payment",
    "payment-not-recorded",
    "failed-but-accepted",
    "submitted-without-payment",
    "amount-mismatch",
    "effective-date-mismatch",
    "payment-not-accepted",
)
ACCEPTED = "ACCEPTED"


@dataclass(frozen=True)
class Finding:
    kind: str
    idempotency_key: str
    float_id: int | None
    detail: str
    payment_id: str | None = None
    amount_cents: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "idempotency_key": self.idempotency_key,
            "float_id": self.float_id,
            "payment_id": self.payment_id,
            "amount_cents": self.amount_cents,
            "detail": self.detail,
        }


def last_word(events: Iterable[FloatEvent]) -> dict[str, FloatEvent]:
    """Per idempotency key, the latest event that speaks about the payment (pending or an attempt)."""
    latest: dict[str, FloatEvent] = {}
    for event in sorted(events, key=lambda e: e.event_at):
        if event.idempotency_key and event.outcome in (ACH_PENDING, SUBMITTED, ACH_FOUND, FAILED):
            latest[event.idempotency_key] = event
    return latest


def accepted(payment: Mapping[str, Any]) -> bool:
    """Whether Payments holds the payment as accepted: `status` ACCEPTED, or no status (the POST's answer
    has none and the GET's shape is the POST's)."""
    return payment.get("status", ACCEPTED) == ACCEPTED


def reconcile(
    events: Iterable[FloatEvent],
    payments: Mapping[str, dict[str, Any] | None],
    returned: Collection[str] = (),
) -> list[Finding]:
    """Findings, in key order; `payments` maps each key of `events` to the partner's payment or None;
    `returned` holds the keys and payment ids that history records as ACH_RETURNED (any run)."""
    findings: list[Finding] = []
    for key, event in sorted(last_word(events).items()):
        findings.extend(_compare(key, event, payments.get(key), returned))
    return findings


def _compare(
    key: str, event: FloatEvent, payment: dict[str, Any] | None, returned: Collection[str]
) -> list[Finding]:
    ours = event.outcome
    if payment is None:
        if ours == ACH_PENDING:
            return [Finding("pending-without-payment", key, event.float_id, "never reached Payments: unpaid")]
        if ours in (SUBMITTED, ACH_FOUND):
            return [
                Finding(
                    "submitted-without-payment",
                    key,
                    event.float_id,
                    f"history says {event.payment_id}, Payments has none",
                    event.payment_id,
                    event.amount_cents,
                )
            ]
        return []  # FAILED and Payments agrees: nothing moved
    paid = payment.get("payment_id")
    if ours == ACH_PENDING:
        detail = "Payments accepted it; the answer never reached collection-history"
        return [
            Finding("payment-not-recorded", key, event.float_id, detail, paid, payment.get("amount_cents"))
        ]
    if ours == FAILED:
        status = "" if accepted(payment) else f" (now {payment.get('status')})"
        detail = f"recorded FAILED ({event.reason or 'no reason'}), Payments accepted it{status}"
        return [
            Finding("failed-but-accepted", key, event.float_id, detail, paid, payment.get("amount_cents"))
        ]
    found = []
    if event.amount_cents is not None and payment.get("amount_cents") != event.amount_cents:
        detail = f"history {event.amount_cents} cents, Payments {payment.get('amount_cents')} cents"
        found.append(
            Finding("amount-mismatch", key, event.float_id, detail, paid, payment.get("amount_cents"))
        )
    effective = str(payment.get("effective_date", ""))
    if effective != event.due_date.isoformat():
        detail = f"due {event.due_date}, Payments effective {effective or 'unknown'}"
        found.append(Finding("effective-date-mismatch", key, event.float_id, detail, paid))
    if not accepted(payment) and key not in returned and paid not in returned:
        detail = f"Payments holds it as {payment.get('status')}; history records no ACH_RETURNED"
        found.append(
            Finding("payment-not-accepted", key, event.float_id, detail, paid, payment.get("amount_cents"))
        )
    return found


def night_events(history: Any, run_date: date) -> list[FloatEvent]:
    """Every float event of the night's runs (all runs recorded for its due window's end)."""
    events: list[FloatEvent] = []
    for run in history.runs(due_window(run_date).end):
        items = history.by_run_id(run.run_id)
        events += [FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event"]
    return events


def returned_marks(history: Any, float_ids: Iterable[int]) -> set[str]:
    """The keys and payment ids that the floats' whole history (any run) records as ACH_RETURNED."""
    marks: set[str] = set()
    for float_id in sorted(set(float_ids)):
        for event in history.float_events(float_id):
            if event.outcome == ACH_RETURNED:
                marks |= {m for m in (event.idempotency_key, event.payment_id) if m}
    return marks


def reconcile_night(runtime: FinanceRuntime, run_date: date) -> dict[str, Any]:
    """Look every key of the night up at Payments (GET by key) and compare; the findings document.
    A payment held as other than ACCEPTED sends us to its float's whole history for an ACH_RETURNED."""
    history = runtime.history()
    events = night_events(history, run_date)
    last = last_word(events)
    payments = runtime.payments()
    answers = {key: payments.payment(key) for key in sorted(last)}
    unsettled = [
        last[k].float_id
        for k, a in answers.items()
        if a is not None and not accepted(a) and last[k].outcome in (SUBMITTED, ACH_FOUND)
    ]
    findings = reconcile(events, answers, returned_marks(history, unsettled))
    return {
        "run_date": run_date.isoformat(),
        "keys_checked": len(answers),
        "payments_found": sum(1 for a in answers.values() if a is not None),
        "findings": [f.as_json() for f in findings],
    }

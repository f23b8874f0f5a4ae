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

Every key the batch sends is first written as ACH_PENDING, so every payment the night made has a key
in collection-history: looking keys up finds them all, and Payments needs no list call.

A clean night yields no finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jobs.domain.calendar import due_window
from jobs.domain.model import ACH_FOUND, ACH_PENDING, FAILED, SUBMITTED
from jobs.domain.records import FloatEvent
from jobs.oncall.ports import OncallRuntime

KINDS = (
    "pending-without-payment",
    "payment-not-recorded",
    "failed-but-accepted",
    "submitted-without-payment",
    "amount-mismatch",
    "effective-date-mismatch",
)


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


def reconcile(events: Iterable[FloatEvent], payments: Mapping[str, dict[str, Any] | None]) -> list[Finding]:
    """Findings, in key order; `payments` maps each key of `events` to the partner's payment or None."""
    findings: list[Finding] = []
    for key, event in sorted(last_word(events).items()):
        findings.extend(_compare(key, event, payments.get(key)))
    return findings


def _compare(key: str, event: FloatEvent, payment: dict[str, Any] | None) -> list[Finding]:
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
        detail = f"recorded FAILED ({event.reason or 'no reason'}), Payments accepted it"
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
    return found


def night_events(history: Any, run_date: date) -> list[FloatEvent]:
    """Every float event of the night's runs (all runs recorded for its due window's end)."""
    events: list[FloatEvent] = []
    for run in history.runs(due_window(run_date).end):
        items = history.by_run_id(run.run_id)
        events += [FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event"]
    return events


def reconcile_night(runtime: OncallRuntime, run_date: date) -> dict[str, Any]:
    """Look every key of the night up at Payments (GET by key) and compare; the findings document."""
    events = night_events(runtime.history(), run_date)
    keys = sorted(last_word(events))
    payments = runtime.payments()
    answers = {key: payments.payment(key) for key in keys}
    findings = reconcile(events, answers)
    return {
        "run_date": run_date.isoformat(),
        "keys_checked": len(keys),
        "payments_found": sum(1 for a in answers.values() if a is not None),
        "findings": [f.as_json() for f in findings],
    }

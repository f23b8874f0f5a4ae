"""Before a run pays a float, read back the keys of its other due dates whose outcome is unknown.

An attempt that went out and came back unknown (a timeout, a 5xx after the payment was stored, an
answer that did not echo it, a run killed after `ACH_PENDING`) may hold a payment under the old due
date's key. If main has since moved the float's due date, the new date's key would pay it again, so
the history rule blocks it (`unresolved_keys`). The run reads Payments by the old key
(`GET /v1/ach/next-day/{key}`) and records the answer: `ACH_FOUND` (it holds a payment: the float is
already submitted) or `ACH_NOT_FOUND` (nothing is held: the block lifts). See
docs/decisions/unknown-outcomes.md.

A preview reads the same way (a GET changes nothing) but records nothing (`record=False`), so its
verdict is the one the run will reach.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any

from jobs.domain.model import ACH_FOUND, ACH_NOT_FOUND, FloatHistory
from jobs.domain.records import FloatEvent, summarize, unresolved_keys

log = logging.getLogger("jobs.batch.run")


class ReadBackHistory:
    """Collection-history as a run (or its preview) sees it: the store's, with unknown keys of other
    due dates read back from Payments."""

    def __init__(
        self,
        store: Any,
        payments: Any,
        *,
        run_id: str = "preview",
        actor: str = "preview",
        stop: threading.Event | None = None,
        record: bool = True,
    ) -> None:
        self.store = store
        self.payments = payments
        self.run_id = run_id
        self.actor = actor
        self.stop = stop
        self.record = record

    def float_history(self, float_id: int, due_date: date) -> FloatHistory:
        events = self.store.float_events(float_id)
        history = summarize(events, due_date)
        if history.already_submitted or history.other_pending_key is None:
            return history
        for old_due, key in sorted(unresolved_keys(events).items()):
            if old_due == due_date:
                continue  # this due date's key: the send itself resolves it (same key, 200/409)
            event = self._read_back(float_id, old_due, key)
            if event is None:
                break  # still unknown: the float stays blocked
            if self.record:
                self.store.put_event(event)
            events.append(event)
            if event.outcome == ACH_FOUND:
                break
        return summarize(events, due_date)

    def _read_back(self, float_id: int, old_due: date, key: str) -> FloatEvent | None:
        """What Payments holds under `key`, as the event that records it; None when it cannot be read."""
        try:
            held = self.payments.payment(key, stop=self.stop)
        except Exception as exc:  # the float stays blocked; the next run reads again
            log.warning(
                "float %s: reading back %s failed: %s", float_id, key, exc, extra={"float_id": float_id}
            )
            return None
        common = {
            "float_id": float_id,
            "run_id": self.run_id,
            "due_date": old_due,
            "idempotency_key": key,
            "actor": self.actor,
        }
        if held is None:
            reason = "read back before paying another due date: Payments holds no payment under this key"
            return FloatEvent(outcome=ACH_NOT_FOUND, reason=reason, **common)
        reason = f"read back before paying another due date: Payments holds payment {held['payment_id']}"
        return FloatEvent(
            outcome=ACH_FOUND,
            reason=reason,
            payment_id=str(held["payment_id"]),
            user_id=held.get("user_id"),
            amount_cents=held.get("amount_cents"),
            **common,
        )

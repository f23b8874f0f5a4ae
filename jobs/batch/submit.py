"""The submitter: make sure the float is still ours, write ACH_PENDING, take a token, submit, record."""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from typing import Any

from jobs.adapters.locks import LeaseLost
from jobs.batch import crashpoints
from jobs.batch.context import RunContext
from jobs.batch.items import DONE, FloatOutcome, SubmitItem
from jobs.batch.job_lease import JobLease, JobLeaseLapsed
from jobs.batch.limiter import LimiterStopped
from jobs.batch.records import RunBook
from jobs.domain.evaluation import EvaluationError, recheck
from jobs.domain.keys import idempotency_key
from jobs.domain.leases import Lease
from jobs.domain.model import (
    ACH_FOUND,
    ACH_PENDING,
    FAILED,
    SKIP_ALREADY_SUBMITTED,
    SKIP_LOCKED,
    SUBMITTED,
    Float,
)
from jobs.domain.rules import Evaluation, check_refetch

log = logging.getLogger("jobs.batch.run")


class NotSent(Exception):
    """An attempt stopped just before its first byte: the float gets `outcome` with `reason`."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


class Submitter:
    """One submitter's loop over the submit queue."""

    def __init__(
        self, ctx: RunContext, book: RunBook, submit_q: queue.Queue[SubmitItem | Any], job: JobLease
    ) -> None:
        self.ctx = ctx
        self.book = book
        self.submit_q = submit_q
        self.job = job

    def loop(self) -> None:
        tracing = self.ctx.telemetry.tracing
        while (item := self.submit_q.get()) is not DONE:
            if item.lease is None and self.ctx.stop.soft.is_set():
                if item.span is not None:  # from the backlog: nothing written, no lock; the rerun takes it
                    item.span.finish()
                continue
            tracing.activate(item.span)
            held: list[Lease] = [item.lease] if item.lease else []  # the float's lease as last renewed
            try:
                self.one(item.row, item.evaluation, held, item.span)
            except Exception as exc:
                log.exception("float %s: unexpected error while submitting", item.row.id)
                self.book.outcome(
                    FloatOutcome(item.row, FAILED, f"unexpected error: {type(exc).__name__}"), span=item.span
                )
            finally:
                if held:
                    self.ctx.release(held[0])
                tracing.deactivate()
                if item.span is not None:
                    item.span.finish()

    def _before_send(self, row: Float, sent: list[int]) -> Callable[[], Callable[[], None]]:
        """What runs just before each attempt's first byte: fence on the job lease, take a token with
        main re-read as the slot comes up (limiter.READ_AHEAD_SECONDS), fence again. Raises (nothing is
        sent) when the lease lapsed or main moved on."""
        ctx = self.ctx

        def reread() -> None:
            try:
                current = ctx.adapters.floats.refetch(row.id)
            except Exception as exc:
                raise NotSent(
                    FAILED, f"re-reading main before sending failed: {type(exc).__name__}"
                ) from None
            check = check_refetch(row, current)
            if check.failed:
                assert check.verdict is not None
                raise NotSent(check.verdict, f"at send: {check.reason}")

        def hook() -> Callable[[], None]:
            self.job.fence()
            limiter = ctx.adapters.limiter
            waited = limiter.acquire(ctx.stop.hard, prepare=reread)
            ctx.telemetry.metrics.histogram("limiter.wait_ms", waited * 1000)
            self.job.fence()  # a pause during the wait or the re-read must not send for a lapsed run
            sent[0] += 1
            return limiter.sent

        return hook

    def one(self, row: Float, evaluation: Evaluation, held: list[Lease], span: Any) -> None:
        """Make sure the float is ours, write ACH_PENDING, take a token just before sending, submit."""
        ctx = self.ctx
        if ctx.stop.hard.is_set():
            return  # abandoned at the drain deadline: nothing was sent, the rerun takes it
        if held:
            try:
                held[0] = ctx.adapters.locks.renew(
                    held[0], ctx.options.float_lease_s
                )  # fence: is the float still ours?
            except LeaseLost:
                held.clear()  # not ours to release any more
                self.book.outcome(
                    FloatOutcome(row, SKIP_LOCKED, "float lease lost before submitting"), span=span
                )
                return
        elif not self._lock_and_recheck(row, evaluation, held, span):
            return
        assert row.due_date is not None and row.user_id is not None and row.amount_cents is not None
        key = idempotency_key(row.id, row.due_date)
        ctx.adapters.history.put_event(
            self.book.event(row, ACH_PENDING, "submitting next-day ACH", idempotency_key=key)
        )
        crashpoints.reached("after_pending")
        sent = [0]  # attempts that went out
        try:
            result = ctx.adapters.payments.submit(
                float_id=row.id,
                user_id=row.user_id,
                amount_cents=row.amount_cents,
                effective_date=row.due_date,
                idempotency_key=key,
                before_attempt=self._before_send(
                    row, sent
                ),  # every attempt, retries too, just before it is sent
                stop=ctx.stop.hard,
            )
        except NotSent as exc:
            # Nothing went out on this attempt; an earlier one may have (its key stays on the event).
            outcome = FloatOutcome(row, exc.outcome, exc.reason, evaluation=evaluation)
            self.book.outcome(outcome, idempotency_key=key if sent[0] else None, span=span)
            return
        except JobLeaseLapsed:
            outcome = FloatOutcome(row, FAILED, "job lease lost before sending; the next run decides")
            self.book.outcome(outcome, write=False, span=span)
            return
        except LimiterStopped:
            # Stopped at the drain deadline while waiting to send: ACH_PENDING stays (maybe sent, maybe
            # not), and the rerun resubmits with the same key.
            outcome = FloatOutcome(row, FAILED, "interrupted before sending; the rerun resubmits")
            self.book.outcome(outcome, write=False, span=span)
            return
        except Exception as exc:
            # A bug after an attempt may have gone out: the key stays on the event (outcome unknown).
            log.exception("float %s: unexpected error while submitting", row.id)
            outcome = FloatOutcome(row, FAILED, f"unexpected error: {type(exc).__name__}")
            self.book.outcome(outcome, idempotency_key=key if sent[0] else None, span=span)
            return
        crashpoints.reached("after_submit")
        if result.accepted:
            reason = "accepted (replayed: already paid under this key)" if result.replayed else "accepted"
            outcome = FloatOutcome(row, SUBMITTED, reason, result.payment_id, evaluation)
        elif result.held is not None:
            # Payments holds a payment under our key (with other parameters): it is recorded as found,
            # for reconciliation, blocks another submission and is not an attempt.
            log.warning(
                "float %s: %s", row.id, result.reason, extra={"float_id": row.id, "held": result.held}
            )
            outcome = FloatOutcome(row, SKIP_ALREADY_SUBMITTED, result.reason, result.payment_id, evaluation)
            self.book.outcome(outcome, idempotency_key=key, span=span, event_outcome=ACH_FOUND)
            return
        else:
            outcome = FloatOutcome(row, FAILED, result.reason, evaluation=evaluation)
        # A refusal on the only attempt that went out: nothing is held. After a retry, an earlier attempt
        # may have been stored, so the outcome stays unknown (docs/decisions/unknown-outcomes.md).
        refused = result.refused and sent[0] == 1
        self.book.outcome(outcome, idempotency_key=key, span=span, refused=refused)

    def _lock_and_recheck(self, row: Float, evaluation: Evaluation, held: list[Lease], span: Any) -> bool:
        """Lock a float from the backlog and re-check its guards; False when it must not be submitted."""
        ctx = self.ctx
        lease = ctx.lock_float(row)
        if lease is None:  # another run took it since we evaluated it: that run decides
            self.book.outcome(
                FloatOutcome(row, SKIP_LOCKED, "float lock taken by another run before submitting"), span=span
            )
            return False
        held.append(lease)
        try:
            failed = recheck(row, ctx.sources, ctx.options.max_ach_attempts)
        except EvaluationError as exc:
            self.book.outcome(FloatOutcome(row, FAILED, f"{exc.rule}: {exc.reason}"), span=span)
            return False
        if failed is not None:
            assert failed.verdict is not None
            reason = f"at submission: {failed.reason}"
            self.book.outcome(FloatOutcome(row, failed.verdict, reason, evaluation=evaluation), span=span)
            return False
        return True

"""The run's writes to collection-history: per-float events, outcomes with their metrics, run records."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from jobs.batch.context import RunContext
from jobs.batch.items import FloatOutcome
from jobs.domain.model import FAILED, SKIP_LOCKED, SUBMITTED, Float
from jobs.domain.records import FloatEvent, RunRecord

log = logging.getLogger("jobs.batch.run")


class RunBook:
    """Writes what happened, counts it, and tells the observers (metrics, spans, log, progress)."""

    def __init__(self, ctx: RunContext, on_outcome: Callable[[FloatOutcome], None]) -> None:
        self.ctx = ctx
        self.on_outcome = on_outcome

    def event(self, row: Float, outcome: str, reason: str, **extra: Any) -> FloatEvent:
        ctx = self.ctx
        return FloatEvent(
            float_id=row.id,
            run_id=ctx.summary.run_id,
            outcome=outcome,
            due_date=row.due_date or ctx.options.window.end,
            user_id=row.user_id,
            amount_cents=row.amount_cents,
            reason=reason,
            actor=ctx.identity.started_by,
            **extra,
        )

    def outcome(
        self,
        outcome: FloatOutcome,
        *,
        write: bool = True,
        idempotency_key: str | None = None,
        span: Any = None,
        event_outcome: str | None = None,
        refused: bool = False,
    ) -> None:
        """Write the float's outcome event (unless `write` is off; as `event_outcome` if given), count it
        and report it."""
        ctx = self.ctx
        if write:
            try:
                ctx.adapters.history.put_event(
                    self.event(
                        outcome.float,
                        event_outcome or outcome.outcome,
                        outcome.reason,
                        payment_id=outcome.payment_id,
                        idempotency_key=idempotency_key,
                        refused=refused,
                    )
                )
            except Exception as exc:
                log.error("float %s: history write failed: %s", outcome.float.id, exc)
                if outcome.outcome != SUBMITTED:
                    outcome = FloatOutcome(
                        outcome.float, FAILED, f"history write failed: {type(exc).__name__}"
                    )
        with ctx.mutex:
            ctx.summary.counts[outcome.outcome] += 1
            if outcome.outcome == SUBMITTED:
                ctx.summary.submitted_amount_cents += outcome.float.amount_cents or 0
        self._observe(outcome, span)
        log.log(
            logging.WARNING if outcome.outcome == FAILED else logging.INFO,
            "float %s: %s (%s)",
            outcome.float.id,
            outcome.outcome,
            outcome.reason,
            extra={"float_id": outcome.float.id, "outcome": outcome.outcome, "run_id": ctx.summary.run_id},
        )
        self.on_outcome(outcome)

    def _observe(self, outcome: FloatOutcome, span: Any) -> None:
        """The float's span tags and metrics (ids and verdicts only: no names, no card data)."""
        metrics = self.ctx.telemetry.metrics
        metrics.increment("floats.processed", tags={"verdict": outcome.outcome})
        if outcome.outcome == SUBMITTED:
            metrics.increment("ach.submitted")
            metrics.increment("ach.amount_cents", outcome.float.amount_cents or 0)
        elif outcome.outcome == FAILED:
            metrics.increment("ach.failed")
        elif outcome.outcome == SKIP_LOCKED:
            metrics.increment("lock.contended")
        if span is not None:
            span.set_tag("verdict", outcome.outcome)
            if outcome.payment_id:
                span.set_tag("payment_id", outcome.payment_id)
            if outcome.outcome == FAILED:
                span.error = 1
                span.set_tag("error.message", outcome.reason)

    def run_record(self) -> RunRecord:
        ctx = self.ctx
        s = ctx.summary
        with ctx.mutex:
            counts, amount = dict(s.counts), s.submitted_amount_cents
        return RunRecord(
            run_id=s.run_id,
            due_date=s.window.end,
            run_date=s.run_date,
            started_at=s.started_at,
            status=s.status,
            started_by=ctx.identity.started_by,
            task_arn=ctx.identity.task_arn,
            finished_at=s.finished_at,
            counts=counts,
            submitted_amount_cents=amount,
        )

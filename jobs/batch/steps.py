"""The evaluation worker's steps for one float: lock, evaluate, record the skip or hand it over."""

from __future__ import annotations

import logging
import queue
from typing import Any

from jobs.adapters.locks import FLOAT_NAMESPACE
from jobs.batch import crashpoints
from jobs.batch.context import RunContext
from jobs.batch.items import DONE, EvalItem, FloatOutcome, SubmitItem
from jobs.batch.records import RunBook
from jobs.domain.evaluation import EvaluationError, evaluate
from jobs.domain.keys import float_lock_key
from jobs.domain.model import FAILED, SKIP_LOCKED, SUBMIT_ACH, Float
from jobs.domain.rules import Evaluation

log = logging.getLogger("jobs.batch.run")


def put_unless_stopped(ctx: RunContext, q: queue.Queue[Any], item: Any) -> bool:
    """Put unless a stop arrives while the queue is full."""
    while True:
        if ctx.stop.soft.is_set():
            return False
        try:
            q.put(item, timeout=0.2)
            return True
        except queue.Full:
            continue


class Evaluator:
    """One evaluation worker's loop over the eval queue."""

    def __init__(
        self,
        ctx: RunContext,
        book: RunBook,
        eval_q: queue.Queue[EvalItem | Any],
        submit_q: queue.Queue[SubmitItem | Any],
    ) -> None:
        self.ctx = ctx
        self.book = book
        self.eval_q = eval_q
        self.submit_q = submit_q

    def loop(self) -> None:
        tracing = self.ctx.telemetry.tracing
        while (item := self.eval_q.get()) is not DONE:
            row = item.row
            if self.ctx.stop.soft.is_set():
                continue  # not started: the rerun takes it
            span = tracing.start("day_before_ach.float", parent=self.ctx.root_span, float_id=row.id)
            handed_over = False
            try:
                handed_over = self.one(row, span)
            except Exception as exc:  # never lose a worker
                log.exception("float %s: unexpected error", row.id)
                self.book.outcome(
                    FloatOutcome(row, FAILED, f"unexpected error: {type(exc).__name__}"), span=span
                )
            finally:
                tracing.deactivate()
                if span is not None and not handed_over:
                    span.finish()

    def _evaluate(self, row: Float) -> Evaluation:
        opts = self.ctx.options
        return evaluate(row, opts.window, self.ctx.sources, opts.max_ach_attempts, stop=self.ctx.stop.hard)

    def _submitters_free(self) -> bool:
        return self.submit_q.qsize() < self.ctx.options.submitter_count

    def one(self, row: Float, span: Any) -> bool:
        """Lock, evaluate, and either record the skip or queue the float for a submitter (True)."""
        if not self._submitters_free():
            return self._for_backlog(row, span)
        ctx = self.ctx
        lease = ctx.lock_float(row)
        if lease is None:
            held = ctx.adapters.locks.get(FLOAT_NAMESPACE, float_lock_key(row.id))
            owner = f" by run {held.owner}" if held else ""
            self.book.outcome(FloatOutcome(row, SKIP_LOCKED, f"float lock held{owner}"), span=span)
            return False
        crashpoints.reached("after_lock")
        handed_over = False
        try:
            try:
                evaluation = self._evaluate(row)
            except EvaluationError as exc:
                self.book.outcome(FloatOutcome(row, FAILED, f"{exc.rule}: {exc.reason}"), span=span)
                return False
            if evaluation.verdict != SUBMIT_ACH:
                self.book.outcome(
                    FloatOutcome(row, evaluation.verdict, evaluation.reason, evaluation=evaluation), span=span
                )
                return False
            if self._submitters_free():
                # A submitter is free within about a second: hand the float over locked, as evaluated.
                handed_over = put_unless_stopped(ctx, self.submit_q, SubmitItem(row, evaluation, lease, span))
                return handed_over
        finally:
            if not handed_over:
                ctx.release(lease)
        # A backlog: the float waits unlocked (a full backlog holds up this worker, never a lock),
        # and its submitter locks it again and re-checks the guards.
        return put_unless_stopped(ctx, self.submit_q, SubmitItem(row, evaluation, None, span))

    def _for_backlog(self, row: Float, span: Any) -> bool:
        """Submitters busy: evaluate without the lock. A SUBMIT_ACH float joins the backlog unlocked
        (its submitter locks and re-checks it), so it costs no lock here; a skip is written under it."""
        try:
            evaluation = self._evaluate(row)
        except EvaluationError as exc:
            self._record_under_lock(FloatOutcome(row, FAILED, f"{exc.rule}: {exc.reason}"), span)
            return False
        if evaluation.verdict == SUBMIT_ACH:
            return put_unless_stopped(self.ctx, self.submit_q, SubmitItem(row, evaluation, None, span))
        self._record_under_lock(
            FloatOutcome(row, evaluation.verdict, evaluation.reason, evaluation=evaluation), span
        )
        return False

    def _record_under_lock(self, outcome: FloatOutcome, span: Any) -> None:
        """Write an outcome holding the float's lock (held by someone alive: SKIP_LOCKED instead)."""
        row = outcome.float
        lease = self.ctx.lock_float(row)
        if lease is None:
            self.book.outcome(FloatOutcome(row, SKIP_LOCKED, "float lock held"), span=span)
            return
        try:
            self.book.outcome(outcome, span=span)
        finally:
            self.ctx.release(lease)

"""The day-before-ach pipeline (docs/architecture.md, "The pipeline of a real run"): one real run.

producer (replica pages) -> bounded queue -> evaluation workers (steps.py) -> backlog -> submitters
(submit.py). Only submitters wait on the shared strict limiter, so skip-floats never queue behind
submissions. The job lock and heartbeat live in job_lease.py, the history writes in records.py,
the knobs in options.py (docs/architecture.md).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from jobs.adapters import deadline
from jobs.batch.context import RunContext
from jobs.batch.items import DONE, EvalItem, FloatOutcome, RunSummary, SubmitItem
from jobs.batch.job_lease import JobLease
from jobs.batch.options import BatchOptions, Identity, StopSignal, new_run_id
from jobs.batch.ports import Adapters
from jobs.batch.records import RunBook
from jobs.batch.steps import Evaluator, put_unless_stopped
from jobs.batch.submit import Submitter
from jobs.domain.model import FAILED
from jobs.domain.records import RunRecord, utc_now
from jobs.errors import EXIT_FLOATS_FAILED, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM
from jobs.observe.telemetry import NOOP, Telemetry

log = logging.getLogger("jobs.batch.run")


class Run:
    """One real run of the batch."""

    def __init__(
        self,
        options: BatchOptions,
        adapters: Adapters | Callable[[], Adapters],
        identity: Identity,
        stop: StopSignal | None = None,
        on_outcome: Callable[[FloatOutcome], None] | None = None,
        telemetry: Telemetry = NOOP,
        on_finished: Callable[[RunRecord], None] | None = None,
    ) -> None:
        self.options = options
        self.telemetry = telemetry
        # A factory is called under the root span, so the set-up calls (secrets, pools) join the trace.
        self._adapters = adapters
        self.identity = identity
        self.stop = stop or StopSignal()
        self.on_outcome = on_outcome or (lambda outcome: None)
        # Called with the final run record once it is written, still under the root span (the finance
        # summary, which reads the run's events from history but needs no second read of the record).
        self.on_finished = on_finished or (lambda record: None)
        self.summary = RunSummary(new_run_id(), options.run_date, options.window)
        self._eval_q: queue.Queue[EvalItem | Any] = queue.Queue(maxsize=options.queue_size)
        self._submit_q: queue.Queue[SubmitItem | Any] = queue.Queue(maxsize=max(1, options.backlog))

    def execute(self) -> RunSummary:
        """Take the job lock, run the pipeline, write the run record, and say how it ended."""
        window = self.summary.window
        # Every call this thread makes is over by the exit deadline once a stop arrives (deadline.py).
        with (
            self.telemetry.tracing.span(
                "day_before_ach.run",
                run_id=self.summary.run_id,
                run_date=self.summary.run_date.isoformat(),
                due_window=f"{window.start}..{window.end}",
            ) as root,
            deadline.scope(until=self.stop.exit_by),
        ):
            adapters = self._adapters() if callable(self._adapters) else self._adapters
            self.ctx = ctx = RunContext(
                self.options, adapters, self.identity, self.stop, self.summary, self.telemetry, root
            )
            self.book = RunBook(ctx, self.on_outcome)
            self.job = JobLease(ctx, self.book)
            lease = self.job.take()
            if lease.took_over:
                # A holder that died may have submitted in the past second: keep the rate across it.
                adapters.limiter.assume_full_window()
            self._log_started()
            adapters.history.put_run(self.book.run_record())
            self.job.start_heartbeat()
            try:
                with deadline.scope(stop=self.stop.hard):
                    self._pipeline()
            finally:
                record = self._finish()
                self._tag_root(root)
            self.on_finished(record)
        return self.summary

    def _log_started(self) -> None:
        opts, s = self.options, self.summary
        started = {
            "run_date": s.run_date.isoformat(),
            "due_window": {"start": s.window.start.isoformat(), "end": s.window.end.isoformat()},
            "payment_submit_rate": opts.payment_submit_rate,
            "shard_rate": opts.shard_rate,
            "workers": opts.workers,
            "submitters": opts.submitter_count,
            "shard_index": opts.shard_index,
            "shard_count": opts.shard_count,
        }
        log.info("run started: %s", s.run_id, extra={"event": "run_started", "run_id": s.run_id, **started})

    def _tag_root(self, root: Any) -> None:
        s = self.summary
        duration = ((s.finished_at or utc_now()) - s.started_at).total_seconds()
        self.telemetry.metrics.gauge("run.duration", duration, {"status": s.status})
        if root is None:
            return
        root.set_tag("status", s.status)
        root.set_tag("exit_code", s.exit_code)
        root.set_tag("submitted_amount_cents", s.submitted_amount_cents)
        for outcome, count in s.counts.items():
            root.set_tag(f"count.{outcome}", count)
        if s.status == "FAILED":
            root.error = 1
            root.set_tag("error.message", s.error or f"{s.counts.get(FAILED, 0)} floats FAILED")

    def _pipeline(self) -> None:
        opts = self.options
        evaluator = Evaluator(self.ctx, self.book, self._eval_q, self._submit_q)
        submitter = Submitter(self.ctx, self.book, self._submit_q, self.job)
        workers = [
            threading.Thread(target=self._bounded(evaluator.loop), name=f"eval-{i}", daemon=True)
            for i in range(opts.workers)
        ]
        submitters = [
            threading.Thread(target=self._bounded(submitter.loop), name=f"submit-{i}", daemon=True)
            for i in range(opts.submitter_count)
        ]
        for thread in workers + submitters:
            thread.start()
        threading.Thread(target=self._drain_timer, name="drain", daemon=True).start()
        try:
            self._produce()
        except Exception as exc:
            self.ctx.fail_run(f"paging the replica failed: {exc}")
        finally:
            for _ in workers:
                self._eval_q.put(DONE)
        for thread in workers:
            thread.join()
        for _ in submitters:
            self._submit_q.put(DONE)
        for thread in submitters:
            thread.join()

    def _bounded(self, loop: Callable[[], None]) -> Callable[[], None]:
        """`loop` with every outbound call cut at the hard stop and over by the exit deadline."""

        def bounded() -> None:
            with deadline.scope(stop=self.stop.hard, until=self.stop.exit_by):
                loop()

        return bounded

    def _drain_timer(self) -> None:
        finished = self.job.finished
        while not finished.is_set():
            if self.stop.soft.wait(0.5):
                if not finished.wait(self.options.drain_timeout_s):
                    log.warning("drain deadline reached: abandoning floats not yet submitted")
                    self.stop.hard.set()
                return

    def _produce(self) -> None:
        opts = self.options
        for page in self.ctx.adapters.floats.pages(
            opts.window, opts.page_size, opts.shard_index, opts.shard_count
        ):
            for row in page:
                if not put_unless_stopped(self.ctx, self._eval_q, EvalItem(row)):
                    return
            if self.stop.soft.is_set():
                return

    def _finish(self) -> RunRecord:
        """Settle the run's status, write its final record (returned), and give the job lock back."""
        self.job.stop_heartbeat()
        s = self.summary
        s.finished_at = utc_now()
        if self.stop.signum is not None:
            s.status, s.exit_code = "INTERRUPTED", EXIT_SIGINT if self.stop.signum == 2 else EXIT_SIGTERM
        elif self.ctx.fatal:
            s.status, s.exit_code, s.error = "FAILED", EXIT_FLOATS_FAILED, self.ctx.fatal
        elif s.counts.get(FAILED):
            s.status, s.exit_code = "FAILED", EXIT_FLOATS_FAILED
        else:
            s.status, s.exit_code = "SUCCEEDED", EXIT_OK
        record = self.book.run_record()
        for attempt in range(3):  # each try bounded by the call deadline and, after a stop, the exit deadline
            try:
                self.ctx.adapters.history.put_run(record)
                break
            except Exception as exc:
                log.error("writing the run record failed (try %s): %s", attempt + 1, exc)
                if time.monotonic() + 0.5 >= self.stop.exit_by():
                    break
                time.sleep(0.5)
        # One closing line, its level by the outcome (Datadog's level-based monitors fire on a bad night),
        # carrying the whole summary: the container's record of the run.
        level = logging.INFO if s.status == "SUCCEEDED" else logging.ERROR
        extra = {"run_id": s.run_id, "status": s.status, "summary": s.as_json()}
        log.log(level, "run finished: %s", s.status, extra=extra)
        self.job.give_back()
        return record

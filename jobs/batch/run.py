"""The day-before-ach pipeline (DESIGN §5).

producer (replica pages) -> bounded queue -> evaluation workers -> backlog -> submitters.

Only submitters wait on the shared strict limiter, so skip-floats never queue behind submissions.
A float is locked twice, briefly: while it is evaluated (a skip is recorded under that lock), and
from the submitter's re-check of the guards to its history write. In between, a SUBMIT_ACH float
waits in the backlog holding nothing, so evaluation runs ahead of the rate however the floats that
need ACH are clustered (docs/decisions/submission-backlog.md). Each Payments attempt takes its
limiter token just before it is sent, so the partner sees the rate the limiter enforces.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jobs.adapters.locks import FLOAT_LEASE_S, FLOAT_NAMESPACE, JOB_LEASE_S, JOB_NAMESPACE, Lease, LeaseLost
from jobs.batch import crashpoints
from jobs.batch.limiter import LimiterStopped
from jobs.domain.calendar import DueWindow, due_window
from jobs.domain.evaluation import EvaluationError, Sources, evaluate, recheck
from jobs.domain.keys import JOB_NAME, float_lock_key, idempotency_key
from jobs.domain.model import ACH_PENDING, FAILED, SKIP_LOCKED, SUBMIT_ACH, SUBMITTED, Float
from jobs.domain.records import FloatEvent, RunRecord, utc_now
from jobs.domain.rules import Evaluation
from jobs.errors import EXIT_FLOATS_FAILED, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM, RefusedError, UsageError
from jobs.observe.telemetry import NOOP, Telemetry

log = logging.getLogger("jobs.batch.run")
_DONE = object()
PROGRESS_EVERY_S = 3.0


@dataclass(frozen=True)
class BatchOptions:
    """The batch's knobs; the defaults are the seed's."""

    run_date: date
    payment_submit_rate: float = 5.0
    workers: int = 5
    page_size: int = 50
    channel_buffer: int = 0  # 0 = workers
    max_ach_attempts: int = 3
    submitters: int = 0  # 0 = enough to keep the rate busy through slow calls
    shard_index: int = 0
    shard_count: int = 1
    drain_timeout_s: float = 12.0  # + a 10 s read timeout in flight stays inside the 25 s stop
    backlog: int = 10_000  # evaluated SUBMIT_ACH floats waiting for a submitter, no lock held

    def __post_init__(self) -> None:
        if not 0 <= self.shard_index < self.shard_count:
            raise UsageError(
                f"--shard-index {self.shard_index} must be below --shard-count {self.shard_count}"
            )

    @property
    def job_lock_key(self) -> str:
        """One run per environment; with shards, one run per shard."""
        return (
            JOB_NAME
            if self.shard_count == 1
            else f"{JOB_NAME}#shard-{self.shard_index}-of-{self.shard_count}"
        )

    @property
    def shard_rate(self) -> float:
        """This shard's share of the partner's rate, so N shards together never exceed it."""
        return self.payment_submit_rate / self.shard_count

    @property
    def window(self) -> DueWindow:
        return due_window(self.run_date)

    @property
    def queue_size(self) -> int:
        return self.channel_buffer or self.workers

    @property
    def submitter_count(self) -> int:
        if self.submitters:
            return self.submitters
        # Little's law for a 1.5 s call at the rate, plus slack for retries; bounded.
        return max(2, min(64, math.ceil(self.shard_rate * 2) + 1))


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


@dataclass
class Adapters:
    """The adapters a real run uses."""

    floats: Any
    history: Any
    locks: Any
    users: Any
    payments: Any
    limiter: Any


@dataclass(frozen=True)
class Identity:
    """Who this run is: how it names itself in locks and run records."""

    owner_task: str
    started_by: str = "schedule"
    task_arn: str | None = None


class StopSignal:
    """Set by SIGTERM/SIGINT: stop paging, finish in-flight floats, then stop hard at the drain deadline."""

    def __init__(self) -> None:
        self.soft = threading.Event()
        self.hard = threading.Event()
        self.signum: int | None = None

    def request(self, signum: int | None = None) -> None:
        if self.signum is None:
            self.signum = signum
        self.soft.set()


def new_run_id(now: datetime | None = None) -> str:
    now = now or utc_now()
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


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
    ) -> None:
        self.options = options
        self.telemetry = telemetry
        self.tracing = telemetry.tracing
        self.metrics = telemetry.metrics
        self._root: Any = None
        # A factory is called under the root span, so the set-up calls (secrets, pools) join the trace.
        self._adapters_factory = adapters if callable(adapters) else None
        self.a: Adapters = None if callable(adapters) else adapters  # type: ignore[assignment]
        self.identity = identity
        self.stop = stop or StopSignal()
        self.on_outcome = on_outcome or (lambda outcome: None)
        self.summary = RunSummary(new_run_id(), options.run_date, options.window)
        self._eval_q: queue.Queue[Any] = queue.Queue(maxsize=options.queue_size)
        self._submit_q: queue.Queue[Any] = queue.Queue(maxsize=max(1, options.backlog))
        self._mutex = threading.Lock()
        self._fatal: str | None = None
        self._job_lease: Lease | None = None
        self._finished = threading.Event()

    # -- the run as a whole -------------------------------------------------------------

    def execute(self) -> RunSummary:
        """Take the job lock, run the pipeline, write the run record, and say how it ended."""
        window = self.summary.window
        with self.tracing.span(
            "day_before_ach.run",
            run_id=self.summary.run_id,
            run_date=self.summary.run_date.isoformat(),
            due_window=f"{window.start}..{window.end}",
        ) as root:
            self._root = root
            if self._adapters_factory is not None:
                self.a = self._adapters_factory()
            self.sources = Sources(self.a.floats, self.a.history, self.a.users)
            self._take_job_lock()
            if self._job_lease is not None and self._job_lease.took_over:
                # A holder that died may have submitted in the past second: keep the rate across it.
                self.a.limiter.assume_full_window()
            record = self._record()
            self.a.history.put_run(record)
            self._heartbeat_thread = threading.Thread(
                target=self._heartbeat, name="job-heartbeat", daemon=True
            )
            self._heartbeat_thread.start()
            try:
                self._pipeline()
            finally:
                self._finish()
                self._tag_root(root)
        return self.summary

    def _tag_root(self, root: Any) -> None:
        s = self.summary
        duration = ((s.finished_at or utc_now()) - s.started_at).total_seconds()
        self.metrics.gauge("run.duration", duration, {"status": s.status})
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

    def _take_job_lock(self) -> None:
        lease = self.a.locks.acquire(
            JOB_NAMESPACE,
            self.options.job_lock_key,
            self.summary.run_id,
            self.identity.owner_task,
            JOB_LEASE_S,
        )
        if lease is None:
            held = self.a.locks.get(JOB_NAMESPACE, self.options.job_lock_key)
            who = (
                f"run {held.owner} on {held.owner_task}, {held.seconds_left():.0f}s of lease left"
                if held
                else "?"
            )
            raise RefusedError(
                f"another run holds the job lock ({who})",
                hint="wait for it to finish (floatctl status), or see floatctl locks if it is stuck",
            )
        self._job_lease = lease

    def _heartbeat(self) -> None:
        """Renew the job lock every third of its lease; publish the counts every few seconds."""
        self.tracing.activate(self._root)
        renewed_at = time.monotonic()
        published: dict[str, int] = {}
        while not self._finished.wait(PROGRESS_EVERY_S):
            with self._mutex:
                counts = dict(self.summary.counts)
            if counts != published:
                try:
                    self.a.history.put_run(self._record())
                    published = counts
                except Exception as exc:
                    log.warning("publishing run progress failed: %s", exc)
            if time.monotonic() - renewed_at < JOB_LEASE_S / 3:
                continue
            try:
                self._job_lease = self.a.locks.renew(self._job_lease, JOB_LEASE_S)
                renewed_at = time.monotonic()
            except LeaseLost:
                self._fail_run("the job lock was lost (another run took it): stopping")
                return
            except Exception as exc:  # DynamoDB trouble: keep trying while the lease lasts
                log.warning("job lock heartbeat failed: %s", exc)

    def _fail_run(self, message: str) -> None:
        log.error(message)
        with self._mutex:
            self._fatal = self._fatal or message
        self.stop.request()

    def _pipeline(self) -> None:
        opts = self.options
        workers = [
            threading.Thread(target=self._evaluate_loop, name=f"eval-{i}", daemon=True)
            for i in range(opts.workers)
        ]
        submitters = [
            threading.Thread(target=self._submit_loop, name=f"submit-{i}", daemon=True)
            for i in range(opts.submitter_count)
        ]
        for thread in workers + submitters:
            thread.start()
        drain = threading.Thread(target=self._drain_timer, name="drain", daemon=True)
        drain.start()
        try:
            self._produce()
        except Exception as exc:
            self._fail_run(f"paging the replica failed: {exc}")
        finally:
            for _ in workers:
                self._eval_q.put(_DONE)
        for thread in workers:
            thread.join()
        for _ in submitters:
            self._submit_q.put(_DONE)
        for thread in submitters:
            thread.join()

    def _drain_timer(self) -> None:
        while not self._finished.is_set():
            if self.stop.soft.wait(0.5):
                if not self._finished.wait(self.options.drain_timeout_s):
                    log.warning("drain deadline reached: abandoning floats not yet submitted")
                    self.stop.hard.set()
                return

    def _produce(self) -> None:
        opts = self.options
        for page in self.a.floats.pages(opts.window, opts.page_size, opts.shard_index, opts.shard_count):
            for row in page:
                if not self._put(self._eval_q, row):
                    return
            if self.stop.soft.is_set():
                return

    def _put(self, q: queue.Queue[Any], item: Any) -> bool:
        """Put unless a stop arrives while the queue is full."""
        while True:
            if self.stop.soft.is_set():
                return False
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue

    # -- per float ----------------------------------------------------------------------

    def _evaluate_loop(self) -> None:
        while (row := self._eval_q.get()) is not _DONE:
            if self.stop.soft.is_set():
                continue  # not started: the rerun takes it
            span = self.tracing.start("day_before_ach.float", parent=self._root, float_id=row.id)
            handed_over = False
            try:
                handed_over = self._evaluate_one(row, span)
            except Exception as exc:  # never lose a worker
                log.exception("float %s: unexpected error", row.id)
                self._record_outcome(
                    FloatOutcome(row, FAILED, f"unexpected error: {type(exc).__name__}"), span=span
                )
            finally:
                self.tracing.deactivate()
                if span is not None and not handed_over:
                    span.finish()

    def _evaluate_one(self, row: Float, span: Any) -> bool:
        """Lock, evaluate, and either record the skip or queue the float for a submitter (True)."""
        if self._submit_q.qsize() >= self.options.submitter_count:
            return self._evaluate_for_backlog(row, span)
        lease = self._lock_float(row)
        if lease is None:
            held = self.a.locks.get(FLOAT_NAMESPACE, float_lock_key(row.id))
            owner = f" by run {held.owner}" if held else ""
            self._record_outcome(FloatOutcome(row, SKIP_LOCKED, f"float lock held{owner}"), span=span)
            return False
        crashpoints.reached("after_lock")
        handed_over = False
        try:
            try:
                evaluation = evaluate(
                    row, self.options.window, self.sources, self.options.max_ach_attempts, stop=self.stop.hard
                )
            except EvaluationError as exc:
                self._record_outcome(FloatOutcome(row, FAILED, f"{exc.rule}: {exc.reason}"), span=span)
                return False
            if evaluation.verdict != SUBMIT_ACH:
                outcome = FloatOutcome(row, evaluation.verdict, evaluation.reason, evaluation=evaluation)
                self._record_outcome(outcome, span=span)
                return False
            if self._submit_q.qsize() < self.options.submitter_count:
                # A submitter is free within about a second: hand the float over locked, as evaluated.
                handed_over = self._put(self._submit_q, (row, evaluation, lease, span))
                return handed_over
        finally:
            if not handed_over:
                self._release(lease)
        # A backlog: the float waits unlocked (a full backlog holds up this worker, never a lock),
        # and its submitter locks it again and re-checks the guards.
        return self._put(self._submit_q, (row, evaluation, None, span))

    def _evaluate_for_backlog(self, row: Float, span: Any) -> bool:
        """Submitters busy: evaluate without the lock. A SUBMIT_ACH float joins the backlog unlocked
        (its submitter locks and re-checks it), so it costs no lock here; a skip is written under it."""
        try:
            evaluation = evaluate(
                row, self.options.window, self.sources, self.options.max_ach_attempts, stop=self.stop.hard
            )
        except EvaluationError as exc:
            self._record_under_lock(FloatOutcome(row, FAILED, f"{exc.rule}: {exc.reason}"), span)
            return False
        if evaluation.verdict == SUBMIT_ACH:
            return self._put(self._submit_q, (row, evaluation, None, span))
        outcome = FloatOutcome(row, evaluation.verdict, evaluation.reason, evaluation=evaluation)
        self._record_under_lock(outcome, span)
        return False

    def _record_under_lock(self, outcome: FloatOutcome, span: Any) -> None:
        """Write an outcome holding the float's lock (held by someone alive: SKIP_LOCKED instead)."""
        row = outcome.float
        lease = self._lock_float(row)
        if lease is None:
            self._record_outcome(FloatOutcome(row, SKIP_LOCKED, "float lock held"), span=span)
            return
        try:
            self._record_outcome(outcome, span=span)
        finally:
            self._release(lease)

    def _submit_loop(self) -> None:
        while (item := self._submit_q.get()) is not _DONE:
            row, evaluation, lease, span = item
            if lease is None and self.stop.soft.is_set():
                if span is not None:  # from the backlog: nothing written, no lock; the rerun takes it
                    span.finish()
                continue
            self.tracing.activate(span)
            held: list[Lease] = [lease] if lease else []  # the float's lease as last renewed
            try:
                self._submit_one(row, evaluation, held, span)
            except Exception as exc:
                log.exception("float %s: unexpected error while submitting", row.id)
                self._record_outcome(
                    FloatOutcome(row, FAILED, f"unexpected error: {type(exc).__name__}"), span=span
                )
            finally:
                if held:
                    self._release(held[0])
                self.tracing.deactivate()
                if span is not None:
                    span.finish()

    def _acquire_token(self) -> Callable[[], None]:
        """Wait for the limiter; what to call once the request has gone out (see RateLimiter.sent)."""
        waited = self.a.limiter.acquire(self.stop.hard)
        self.metrics.histogram("limiter.wait_ms", waited * 1000)
        return self.a.limiter.sent

    def _submit_one(self, row: Float, evaluation: Evaluation, held: list[Lease], span: Any) -> None:
        """Make sure the float is ours, write ACH_PENDING, take a token just before sending, submit."""
        if self.stop.hard.is_set():
            return  # abandoned at the drain deadline: nothing was sent, the rerun takes it
        if held:
            try:
                held[0] = self.a.locks.renew(held[0], FLOAT_LEASE_S)  # fence: is the float still ours?
            except LeaseLost:
                held.clear()  # not ours to release any more
                self._record_outcome(
                    FloatOutcome(row, SKIP_LOCKED, "float lease lost before submitting"), span=span
                )
                return
        elif not self._lock_and_recheck(row, evaluation, held, span):
            return
        assert row.due_date is not None and row.user_id is not None and row.amount_cents is not None
        key = idempotency_key(row.id, row.due_date)
        self.a.history.put_event(
            self._event(row, ACH_PENDING, "submitting next-day ACH", idempotency_key=key)
        )
        crashpoints.reached("after_pending")

        try:
            result = self.a.payments.submit(
                float_id=row.id,
                user_id=row.user_id,
                amount_cents=row.amount_cents,
                effective_date=row.due_date,
                idempotency_key=key,
                before_attempt=self._acquire_token,  # every attempt, retries too, just before it is sent
                stop=self.stop.hard,
            )
        except LimiterStopped:
            # Stopped at the drain deadline while waiting to send: ACH_PENDING stays (maybe sent, maybe
            # not), and the rerun resubmits with the same key.
            outcome = FloatOutcome(row, FAILED, "interrupted before sending; the rerun resubmits")
            self._record_outcome(outcome, write=False, span=span)
            return
        crashpoints.reached("after_submit")
        if result.accepted:
            reason = "accepted (replayed: already paid under this key)" if result.replayed else "accepted"
            outcome = FloatOutcome(row, SUBMITTED, reason, result.payment_id, evaluation)
        else:
            outcome = FloatOutcome(row, FAILED, result.reason, evaluation=evaluation)
        self._record_outcome(outcome, idempotency_key=key, span=span)

    def _lock_and_recheck(self, row: Float, evaluation: Evaluation, held: list[Lease], span: Any) -> bool:
        """Lock a float from the backlog and re-check its guards; False when it must not be submitted."""
        lease = self._lock_float(row)
        if lease is None:  # another run took it since we evaluated it: that run decides
            self._record_outcome(
                FloatOutcome(row, SKIP_LOCKED, "float lock taken by another run before submitting"),
                span=span,
            )
            return False
        held.append(lease)
        try:
            failed = recheck(row, self.sources, self.options.max_ach_attempts)
        except EvaluationError as exc:
            self._record_outcome(FloatOutcome(row, FAILED, f"{exc.rule}: {exc.reason}"), span=span)
            return False
        if failed is not None:
            assert failed.verdict is not None
            reason = f"at submission: {failed.reason}"
            self._record_outcome(FloatOutcome(row, failed.verdict, reason, evaluation=evaluation), span=span)
            return False
        return True

    def _lock_float(self, row: Float) -> Lease | None:
        """This run's lease on the float, or None when someone alive holds it."""
        return self.a.locks.acquire(
            FLOAT_NAMESPACE,
            float_lock_key(row.id),
            self.summary.run_id,
            self.identity.owner_task,
            FLOAT_LEASE_S,
        )

    def _release(self, lease: Lease) -> None:
        try:
            if not self.a.locks.release(lease):
                log.warning("lock %s had changed hands before release", lease.lock_key)
        except Exception as exc:  # the lease expires by itself
            log.warning("releasing %s failed: %s", lease.lock_key, exc)

    # -- bookkeeping ----------------------------------------------------------------------

    def _event(self, row: Float, outcome: str, reason: str, **extra: Any) -> FloatEvent:
        return FloatEvent(
            float_id=row.id,
            run_id=self.summary.run_id,
            outcome=outcome,
            due_date=row.due_date or self.options.window.end,
            user_id=row.user_id,
            amount_cents=row.amount_cents,
            reason=reason,
            actor=self.identity.started_by,
            **extra,
        )

    def _record_outcome(
        self,
        outcome: FloatOutcome,
        *,
        write: bool = True,
        idempotency_key: str | None = None,
        span: Any = None,
    ) -> None:
        if write:
            try:
                self.a.history.put_event(
                    self._event(
                        outcome.float,
                        outcome.outcome,
                        outcome.reason,
                        payment_id=outcome.payment_id,
                        idempotency_key=idempotency_key,
                    )
                )
            except Exception as exc:
                log.error("float %s: history write failed: %s", outcome.float.id, exc)
                if outcome.outcome != SUBMITTED:
                    outcome = FloatOutcome(
                        outcome.float, FAILED, f"history write failed: {type(exc).__name__}"
                    )
        with self._mutex:
            self.summary.counts[outcome.outcome] += 1
            if outcome.outcome == SUBMITTED:
                self.summary.submitted_amount_cents += outcome.float.amount_cents or 0
        self._observe(outcome, span)
        log.info(
            "float %s: %s (%s)",
            outcome.float.id,
            outcome.outcome,
            outcome.reason,
            extra={"float_id": outcome.float.id, "outcome": outcome.outcome, "run_id": self.summary.run_id},
        )
        self.on_outcome(outcome)

    def _observe(self, outcome: FloatOutcome, span: Any) -> None:
        """The float's span tags and metrics (ids and verdicts only: no names, no card data)."""
        self.metrics.increment("floats.processed", tags={"verdict": outcome.outcome})
        if outcome.outcome == SUBMITTED:
            self.metrics.increment("ach.submitted")
            self.metrics.increment("ach.amount_cents", outcome.float.amount_cents or 0)
        elif outcome.outcome == FAILED:
            self.metrics.increment("ach.failed")
        elif outcome.outcome == SKIP_LOCKED:
            self.metrics.increment("lock.contended")
        if span is not None:
            span.set_tag("verdict", outcome.outcome)
            if outcome.payment_id:
                span.set_tag("payment_id", outcome.payment_id)
            if outcome.outcome == FAILED:
                span.error = 1
                span.set_tag("error.message", outcome.reason)

    def _record(self) -> RunRecord:
        s = self.summary
        with self._mutex:
            counts, amount = dict(s.counts), s.submitted_amount_cents
        return RunRecord(
            run_id=s.run_id,
            due_date=s.window.end,
            run_date=s.run_date,
            started_at=s.started_at,
            status=s.status,
            started_by=self.identity.started_by,
            task_arn=self.identity.task_arn,
            finished_at=s.finished_at,
            counts=counts,
            submitted_amount_cents=amount,
        )

    def _finish(self) -> None:
        self._finished.set()
        # A progress write still in flight must land before the final record, never after it.
        self._heartbeat_thread.join(timeout=30)
        s = self.summary
        s.finished_at = utc_now()
        if self.stop.signum is not None:
            s.status, s.exit_code = "INTERRUPTED", EXIT_SIGINT if self.stop.signum == 2 else EXIT_SIGTERM
        elif self._fatal:
            s.status, s.exit_code, s.error = "FAILED", EXIT_FLOATS_FAILED, self._fatal
        elif s.counts.get(FAILED):
            s.status, s.exit_code = "FAILED", EXIT_FLOATS_FAILED
        else:
            s.status, s.exit_code = "SUCCEEDED", EXIT_OK
        for attempt in range(3):
            try:
                self.a.history.put_run(self._record())
                break
            except Exception as exc:
                log.error("writing the run record failed (try %s): %s", attempt + 1, exc)
                time.sleep(0.5)
        if self._job_lease is not None:
            # Hold the job lock until our last submission has left the partner's window, so the next
            # holder, finding the lock free, may submit at once without breaking the rate.
            time.sleep(self.a.limiter.quiet_in())
            self._release(self._job_lease)

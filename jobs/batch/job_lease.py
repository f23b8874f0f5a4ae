"""The run's job lock: take it (or refuse with exit 3), renew it in the heartbeat, give it back."""

from __future__ import annotations

import logging
import threading
import time

from jobs.adapters.locks import JOB_LEASE_S, JOB_NAMESPACE, Lease, LeaseLost
from jobs.batch.context import RunContext
from jobs.batch.records import RunBook
from jobs.errors import RefusedError

log = logging.getLogger("jobs.batch.run")
PROGRESS_EVERY_S = 3.0


class JobLease:
    """Holds the job lock for one run and keeps the run record current while it lives."""

    def __init__(self, ctx: RunContext, book: RunBook) -> None:
        self.ctx = ctx
        self.book = book
        self.lease: Lease | None = None
        self.finished = threading.Event()
        self._thread: threading.Thread | None = None

    def take(self) -> Lease:
        ctx = self.ctx
        locks, key = ctx.adapters.locks, ctx.options.job_lock_key
        lease = locks.acquire(JOB_NAMESPACE, key, ctx.summary.run_id, ctx.identity.owner_task, JOB_LEASE_S)
        if lease is None:
            held = locks.get(JOB_NAMESPACE, key)
            who = (
                f"run {held.owner} on {held.owner_task}, {held.seconds_left():.0f}s of lease left"
                if held
                else "?"
            )
            raise RefusedError(
                f"another run holds the job lock ({who})",
                hint="wait for it to finish (floatctl status), or see floatctl locks if it is stuck",
            )
        self.lease = lease
        return lease

    def start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._heartbeat, name="job-heartbeat", daemon=True)
        self._thread.start()

    def stop_heartbeat(self) -> None:
        """A progress write still in flight must land before the final record, never after it."""
        self.finished.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _heartbeat(self) -> None:
        """Renew the job lock every third of its lease; publish the counts every few seconds."""
        ctx = self.ctx
        ctx.telemetry.tracing.activate(ctx.root_span)
        renewed_at = time.monotonic()
        published: dict[str, int] = {}
        while not self.finished.wait(PROGRESS_EVERY_S):
            with ctx.mutex:
                counts = dict(ctx.summary.counts)
            if counts != published:
                try:
                    ctx.adapters.history.put_run(self.book.run_record())
                    published = counts
                except Exception as exc:
                    log.warning("publishing run progress failed: %s", exc)
            if time.monotonic() - renewed_at < JOB_LEASE_S / 3:
                continue
            try:
                assert self.lease is not None
                self.lease = ctx.adapters.locks.renew(self.lease, JOB_LEASE_S)
                renewed_at = time.monotonic()
            except LeaseLost:
                ctx.fail_run("the job lock was lost (another run took it): stopping")
                return
            except Exception as exc:  # DynamoDB trouble: keep trying while the lease lasts
                log.warning("job lock heartbeat failed: %s", exc)

    def give_back(self) -> None:
        """Hold the job lock until our last submission has left the partner's window, so the next
        holder, finding the lock free, may submit at once without breaking the rate."""
        if self.lease is not None:
            time.sleep(self.ctx.adapters.limiter.quiet_in())
            self.ctx.release(self.lease)

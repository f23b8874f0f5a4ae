"""The run's job lock: take it (or refuse with exit 3), renew it in the heartbeat, give it back."""

from __future__ import annotations

import logging
import threading
import time

from jobs.adapters import deadline
from jobs.adapters.locks import LeaseLost
from jobs.batch.context import RunContext
from jobs.batch.ports import JobLocks
from jobs.batch.records import RunBook
from jobs.domain.leases import Lease
from jobs.errors import RefusedError

log = logging.getLogger("jobs.batch.run")
PROGRESS_EVERY_S = 3.0
LEAVE_S = 2.0  # kept, after a stop, for the release itself


def refusal(held: Lease | None, shard_index: int, shard_count: int) -> str:
    """Who holds the job lock, in the words of the exit-3 message."""
    if held is None:
        return "?"
    mine = "unsharded" if shard_count == 1 else f"shard {shard_index} of {shard_count}"
    layout = "" if held.shard_count == shard_count else f"; it runs another layout than {mine}"
    return f"run {held.owner} on {held.owner_task}, {held.layout}, {held.seconds_left():.0f}s of lease left{layout}"


class JobLeaseLapsed(Exception):
    """This run's job lease lapsed and could not be renewed: it must send nothing more."""


class JobLease:
    """Holds the job lock for one run and keeps the run record current while it lives."""

    def __init__(self, ctx: RunContext, book: RunBook) -> None:
        self.ctx = ctx
        self.book = book
        self.lease: Lease | None = None
        self.store: JobLocks
        self.finished = threading.Event()
        self._thread: threading.Thread | None = None
        # The heartbeat renews at 2/3 of the lease left; below half it has missed a beat: renew before sending.
        self.fence_below_s = ctx.options.job_lease_s / 2
        self._renewing = threading.Lock()  # one renew at a time: two from one rvn would fence each other

    def take(self) -> Lease:
        """Join the environment's one job lock as this run's shard; RefusedError (exit 3) when a live
        run of another layout, or of this shard, holds it."""
        ctx, opts = self.ctx, self.ctx.options
        self.store = ctx.adapters.job_lock
        lease = self.store.join(
            ctx.summary.run_id,
            ctx.identity.owner_task,
            opts.shard_index,
            opts.shard_count,
            self.ctx.options.job_lease_s,
        )
        if lease is None:
            who = refusal(self.store.get(), opts.shard_index, opts.shard_count)
            raise RefusedError(
                f"another run holds the job lock ({who})",
                hint="wait for it to finish (floatctl status), or see floatctl locks if it is stuck",
            )
        self.lease = lease
        return lease

    def start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._bounded_heartbeat, name="job-heartbeat", daemon=True)
        self._thread.start()

    def stop_heartbeat(self) -> None:
        """A progress write still in flight must land before the final record, never after it.

        After a stop, a write still hanging is cut (the hard stop) rather than waited for.
        """
        self.finished.set()
        if self.ctx.stop.soft.is_set():
            self.ctx.stop.hard.set()
        if self._thread is not None:
            self._thread.join(timeout=30)  # its calls are bounded (deadline.py): this is a backstop

    def _bounded_heartbeat(self) -> None:
        stop = self.ctx.stop
        with deadline.scope(stop=stop.hard, until=stop.exit_by):
            self._heartbeat()

    def _heartbeat(self) -> None:
        """Renew the job lock every third of its lease; publish the counts every few seconds."""
        ctx = self.ctx
        ctx.telemetry.tracing.activate(ctx.root_span)
        renewed_at = time.monotonic()
        published: dict[str, int] = {}
        beat_s = min(PROGRESS_EVERY_S, self.ctx.options.job_lease_s / 4)
        while not self.finished.wait(beat_s):
            with ctx.mutex:
                counts = dict(ctx.summary.counts)
            if counts != published:
                try:
                    ctx.adapters.history.put_run(self.book.run_record())
                    published = counts
                except Exception as exc:
                    log.warning("publishing run progress failed: %s", exc)
            if time.monotonic() - renewed_at < self.ctx.options.job_lease_s / 3:
                continue
            try:
                self._renew()
                renewed_at = time.monotonic()
            except LeaseLost:
                ctx.fail_run("the job lock was lost (another run took it): stopping")
                return
            except Exception as exc:  # DynamoDB trouble: keep trying while the lease lasts
                log.warning("job lock heartbeat failed: %s", exc)

    def _renew(self, only_below_s: float | None = None) -> None:
        with self._renewing:
            assert self.lease is not None
            if only_below_s is not None and self.lease.seconds_left() >= only_below_s:
                return  # another thread renewed it meanwhile
            self.lease = self.store.renew(self.lease, self.ctx.options.job_lease_s)

    def fence(self) -> None:
        """Before every send: the job lease must still be ours. A lease the heartbeat should have renewed
        by now (a paused or starved process) is renewed here; a lost one stops the run (JobLeaseLapsed).

        Leases run on wall-clock time, so a process woken from SIGSTOP sees at once how long it slept.
        """
        lease = self.lease
        if lease is None:
            raise JobLeaseLapsed("no job lease")
        if lease.seconds_left() >= self.fence_below_s:
            return
        try:
            self._renew(only_below_s=self.fence_below_s)
        except LeaseLost:
            self.ctx.fail_run("the job lock was lost (another run took it): stopping")
            raise JobLeaseLapsed("the job lock was lost") from None
        except Exception as exc:
            if lease.expired():
                raise JobLeaseLapsed(f"the job lease lapsed and could not be renewed: {exc}") from None

    def give_back(self) -> None:
        """Hold the job lock until our last submission has left the partner's window, so the next
        holder, finding the lock free, may submit at once without breaking the rate.

        The wait is bounded by the drain deadline and, after a stop, by the exit deadline. When the
        window is longer (a low rate: 1/R s), the lock is left to expire: whoever takes an expired lock
        over treats the last window as full (docs/decisions/drain-and-pending.md).
        """
        if self.lease is None:
            return
        stop = self.ctx.stop
        while (quiet := self.ctx.adapters.limiter.quiet_in()) > 0:
            room = min(self.ctx.options.drain_timeout_s, stop.exit_by() - time.monotonic() - LEAVE_S)
            if quiet > room:
                log.warning(
                    "leaving the job lock to expire: the last submission stays in the partner's window "
                    "for %.1f s more, longer than the %.1f s left to wait",
                    quiet,
                    max(room, 0.0),
                )
                return
            if stop.soft.is_set():
                time.sleep(quiet)
                break
            if not stop.soft.wait(quiet):
                break  # waited it out; a stop during the wait goes round again, bounded by its deadline
        try:
            if not self.store.leave(self.lease):
                log.warning("the job lock had changed hands before release")
        except Exception as exc:  # the lease expires by itself
            log.warning("releasing the job lock failed: %s", exc)

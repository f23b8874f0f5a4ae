"""What every part of one run shares: its options, adapters, identity, stop signal and summary."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from jobs.adapters.locks import FLOAT_NAMESPACE
from jobs.batch.items import RunSummary
from jobs.batch.options import BatchOptions, Identity, StopSignal
from jobs.batch.ports import Adapters
from jobs.batch.readback import ReadBackHistory
from jobs.domain.evaluation import Sources
from jobs.domain.keys import float_lock_key
from jobs.domain.leases import Lease
from jobs.domain.model import Float
from jobs.observe.telemetry import Telemetry

log = logging.getLogger("jobs.batch.run")


@dataclass
class RunContext:
    """One run's shared state; the mutex guards `summary.counts` and `fatal`."""

    options: BatchOptions
    adapters: Adapters
    identity: Identity
    stop: StopSignal
    summary: RunSummary
    telemetry: Telemetry
    root_span: Any = None
    mutex: threading.Lock = field(default_factory=threading.Lock)
    fatal: str | None = None

    @property
    def sources(self) -> Sources:
        """The rules' inputs; history reads back unknown keys of other due dates (readback.py)."""
        a = self.adapters
        history = ReadBackHistory(
            a.history,
            a.payments,
            run_id=self.summary.run_id,
            actor=self.identity.started_by,
            stop=self.stop.hard,
        )
        return Sources(a.floats, history, a.users)

    def fail_run(self, message: str) -> None:
        """Stop the run and mark it FAILED with `message` (the first fatal message wins)."""
        log.error(message, extra={"run_id": self.summary.run_id})
        with self.mutex:
            self.fatal = self.fatal or message
        self.stop.request()

    def lock_float(self, row: Float) -> Lease | None:
        """This run's lease on the float, or None when someone alive holds it."""
        return self.adapters.locks.acquire(
            FLOAT_NAMESPACE,
            float_lock_key(row.id),
            self.summary.run_id,
            self.identity.owner_task,
            self.options.float_lease_s,
        )

    def release(self, lease: Lease) -> None:
        try:
            if not self.adapters.locks.release(lease):
                log.warning("lock %s had changed hands before release", lease.lock_key)
        except Exception as exc:  # the lease expires by itself
            log.warning("releasing %s failed: %s", lease.lock_key, exc)

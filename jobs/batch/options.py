"""The batch's knobs (BatchOptions), who the run is (Identity), and how it is asked to stop."""

from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from jobs.domain.calendar import DueWindow, due_window, run_date_problem
from jobs.domain.keys import job_lock_key
from jobs.domain.records import utc_now
from jobs.errors import UsageError
from jobs.settings import Settings, bounds, rate_problem


def _settings() -> Settings:
    return Settings.load()


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
    drain_timeout_s: float = 12.0  # + a call's total deadline in flight stays inside the 25 s stop
    backlog: int = 10_000  # evaluated SUBMIT_ACH floats waiting for a submitter, no lock held
    job_lease_s: float = field(default_factory=lambda: _settings().job_lease_s)
    float_lease_s: float = field(default_factory=lambda: _settings().float_lease_s)

    def __post_init__(self) -> None:
        if not 0 <= self.shard_index < self.shard_count:
            raise UsageError(
                f"--shard-index {self.shard_index} must be below --shard-count {self.shard_count}"
            )
        if problem := run_date_problem(self.run_date):
            raise UsageError(f"--date: {problem}")
        for name in ("job_lease_s", "float_lease_s"):
            lowest, highest = bounds(name)
            if not lowest <= getattr(self, name) <= highest:
                raise UsageError(f"the {name} must be between {lowest:g} and {highest:g} seconds")
        rate = self.payment_submit_rate
        problem = rate_problem(rate) if isinstance(rate, int | float) else f"{rate!r} is not a number"
        if problem:
            raise UsageError(f"--payment-submit-rate: {problem}")

    @property
    def job_lock_key(self) -> str:
        """One job lock per environment, whatever the shard layout (the layout is recorded in it)."""
        return job_lock_key()

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
class Identity:
    """Who this run is: how it names itself in locks and run records."""

    owner_task: str
    started_by: str = "schedule"
    task_arn: str | None = None


#: From SIGTERM, everything the run still does (the drain, the final writes, giving the job lock back,
#: the finance summary) is over by this; the rest of the 25 s promise is the process's own exit.
EXIT_BUDGET_S = 18.0


class StopSignal:
    """Set by SIGTERM/SIGINT: stop paging, finish in-flight floats, then stop hard at the drain deadline."""

    def __init__(self) -> None:
        self.soft = threading.Event()
        self.hard = threading.Event()
        self.signum: int | None = None
        self.requested_at: float | None = None  # monotonic

    def request(self, signum: int | None = None) -> None:
        if self.signum is None:
            self.signum = signum
        if self.requested_at is None:
            self.requested_at = time.monotonic()
        self.soft.set()

    def exit_by(self) -> float:
        """The monotonic time every call must be over by: EXIT_BUDGET_S after the stop, or never."""
        return math.inf if self.requested_at is None else self.requested_at + EXIT_BUDGET_S


def new_run_id(now: datetime | None = None) -> str:
    now = now or utc_now()
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"

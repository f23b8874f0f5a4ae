"""The batch's knobs (BatchOptions), who the run is (Identity), and how it is asked to stop."""

from __future__ import annotations

import math
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from jobs.domain.calendar import DueWindow, due_window
from jobs.domain.keys import job_lock_key
from jobs.domain.records import utc_now
from jobs.errors import UsageError
from jobs.settings import Settings

MAX_RATE = 1000.0  # submissions per second: far above any partner's limit, below float trouble


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
        try:
            due_window(self.run_date)
        except (OverflowError, ValueError):
            raise UsageError(f"--date {self.run_date} is past the business calendar") from None
        if not (3 <= self.job_lease_s <= 3600 and 3 <= self.float_lease_s <= 3600):
            raise UsageError("the job and float leases must be between 3 and 3600 seconds")
        rate = self.payment_submit_rate
        if not (isinstance(rate, int | float) and math.isfinite(rate) and 0 < rate <= MAX_RATE):
            raise UsageError(
                f"--payment-submit-rate {rate} must be a number above 0 and at most {MAX_RATE:g}"
            )

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

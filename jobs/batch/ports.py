"""What the batch needs from each adapter, as Protocols (jobs.runtime wires the real ones)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from jobs.adapters.services import PaymentResult
from jobs.domain.calendar import DueWindow
from jobs.domain.leases import Lease
from jobs.domain.model import Card, Float, FloatHistory
from jobs.domain.records import FloatEvent, RunRecord


class FloatsSource(Protocol):
    def pages(
        self, window: DueWindow, page_size: int, shard_index: int = 0, shard_count: int = 1
    ) -> Iterator[list[Float]]: ...

    def refetch(self, float_id: int) -> Float | None: ...


class HistoryLog(Protocol):
    def put_event(self, event: FloatEvent) -> None: ...

    def put_run(self, run: RunRecord) -> None: ...

    def float_history(self, float_id: int, due_date: date) -> FloatHistory: ...

    def float_events(self, float_id: int) -> list[FloatEvent]: ...


class Locks(Protocol):
    def acquire(
        self, namespace: str, lock_key: str, owner: str, owner_task: str, lease_s: float
    ) -> Lease | None: ...

    def renew(self, lease: Lease, lease_s: float) -> Lease: ...

    def release(self, lease: Lease) -> bool: ...

    def get(self, namespace: str, lock_key: str) -> Lease | None: ...


class JobLocks(Protocol):
    """The one job lock of an environment, shared by the shards of one layout."""

    def join(
        self, owner: str, owner_task: str, shard_index: int, shard_count: int, lease_s: float
    ) -> Lease | None: ...

    def renew(self, lease: Lease, lease_s: float) -> Lease: ...

    def leave(self, lease: Lease) -> bool: ...

    def get(self) -> Lease | None: ...


class Users(Protocol):
    def debit_cards(self, user_id: int, stop: threading.Event | None = None) -> list[Card]: ...


class Payments(Protocol):
    def submit(
        self,
        *,
        float_id: int,
        user_id: int,
        amount_cents: int,
        effective_date: date,
        idempotency_key: str,
        before_attempt: Callable[[], Any] = ...,
        stop: threading.Event | None = None,
    ) -> PaymentResult: ...

    def payment(self, idempotency_key: str, stop: threading.Event | None = None) -> dict[str, Any] | None: ...


class Limiter(Protocol):
    def acquire(
        self, stop: threading.Event | None = None, prepare: Callable[[], None] | None = None
    ) -> float: ...

    def sent(self) -> None: ...

    def assume_full_window(self) -> None: ...

    def quiet_in(self) -> float: ...


@dataclass
class Adapters:
    """The adapters a real run uses."""

    floats: FloatsSource
    history: HistoryLog
    locks: Locks
    job_lock: JobLocks  # the environment's one job lock, on the locks table (jobs.adapters.job_lock)
    users: Users
    payments: Payments
    limiter: Limiter

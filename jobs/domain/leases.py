"""Leases in the locks table as values, and the one rule for whether a lease still holds.

The store (jobs/adapters/locks.py, job_lock.py) writes and reads them; the on-call views
(jobs/oncall/lock_view.py) judge them. Both ask `is_live` whether a holder still holds, so the
batch's "may this shard join?" and `status`/`locks list` cannot disagree about the same lease.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LIVE, EXPIRED, ORPHANED = "live", "expired", "orphaned"


def lease_end(now: float, lease_s: float) -> float:
    """When a lease taken or renewed at `now` for `lease_s` ends: on a whole second, because the
    store keeps whole seconds (jobs/adapters/locks.py), so the holder's copy and the stored item carry
    the same expiry and the holder never believes in time the store has not granted."""
    return float(math.floor(now + lease_s))


def runs(lease_expires_at: float, now: float) -> bool:
    """The expiry rule: a lease runs up to and including its expiry. The store's conditional writes
    are this rule's negation, `lease_expires_at < :now` with the exact `now` (locks.now_value)."""
    return lease_expires_at >= now


def is_live(lease_expires_at: float, now: float, owner_dead: Callable[[], bool]) -> bool:
    """The rule: a lease holds while it runs at `now` and nothing proves its owner dead.

    `owner_dead` is asked only of a running lease (asking may cost an ECS DescribeTasks); an owner
    that cannot be seen (another host) counts as alive.
    """
    return runs(lease_expires_at, now) and not owner_dead()


def lease_state(lease_expires_at: float, owner_dead: bool, now: float) -> str:
    """orphaned (its owner is provably dead), expired (the lease ran out), or live (exactly `is_live`)."""
    if owner_dead:
        return ORPHANED
    return LIVE if is_live(lease_expires_at, now, lambda: owner_dead) else EXPIRED


@dataclass(frozen=True)
class Member:
    """One shard in a job-lock layout: its own holder and lease."""

    index: int
    owner: str
    owner_task: str
    lease_expires_at: float


@dataclass(frozen=True)
class Lease:
    """One row of the locks table."""

    namespace: str
    lock_key: str
    owner: str
    owner_task: str
    acquired_at: float
    lease_expires_at: float
    rvn: str
    #: Taken from an expired lease or a dead owner (not from a released lock): the last holder may
    #: have been working until moments ago. Known only to the acquirer; not stored.
    took_over: bool = field(default=False, compare=False)
    #: The job lock's layout: how many shards, which are in it now, which have joined.
    shard_index: int = 0
    shard_count: int = 1
    shards: tuple[int, ...] = field(default=(), compare=False)
    joined: tuple[int, ...] = field(default=(), compare=False)
    #: The shards in the layout now, each with its own holder (the top-level owner is its creator's).
    members: tuple[Member, ...] = field(default=(), compare=False)

    @property
    def layout(self) -> str:
        """The layout in words, for status and locks: `unsharded` or `shards 0,1 of 3 (joined 0,1,2)`."""
        if self.shard_count == 1:
            return "unsharded"
        live = ",".join(map(str, self.shards)) or "none"
        joined = ",".join(map(str, self.joined)) or "none"
        return f"shards {live} of {self.shard_count} running (joined {joined})"

    def seconds_left(self, now: float | None = None) -> float:
        return self.lease_expires_at - (time.time() if now is None else now)

    def expired(self, now: float | None = None) -> bool:
        return not runs(self.lease_expires_at, time.time() if now is None else now)

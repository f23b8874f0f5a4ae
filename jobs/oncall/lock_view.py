"""A lock with what can be proved about its holders: live, expired or orphaned.

A job lock holds a shard layout (jobs/adapters/job_lock.py): its top-level owner is the shard that
created the item and is never updated, so the layout is judged by every member it has now -- live
while any member's lease runs and its owner is not provably dead, orphaned only when every member's
owner is provably dead. `status`, `locks list|show|release`, `launch`'s guards, `recover` and the TUI
read these views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobs.domain.leases import Lease, Member, lease_state


def lock_state(lease_expires_at: float, owner_state: str, now: float) -> str:
    """orphaned (owner provably dead), expired (lease ran out), or live: jobs.domain.leases's rule,
    the one the batch's job lock joins by."""
    return lease_state(lease_expires_at, owner_state == "dead", now)


@dataclass(frozen=True)
class MemberView:
    """One shard of a layout, judged as a lock of its own."""

    member: Member
    state: str
    owner_state: str

    def as_json(self, now: float) -> dict[str, Any]:
        m = self.member
        return {
            "index": m.index,
            "owner": m.owner,
            "owner_task": m.owner_task,
            "state": self.state,
            "owner_state": self.owner_state,
            "lease_left_s": round(m.lease_expires_at - now),
        }


@dataclass(frozen=True)
class LockView:
    """A lock with what can be proved about its owner (for a layout: about every member)."""

    lease: Lease
    state: str  # live | expired | orphaned
    owner_state: str  # alive | dead | unknown
    members: tuple[MemberView, ...] = ()

    @property
    def layout(self) -> str | None:
        """The job lock's layout in words (`shards 1,2 of 3 running (joined 0,1,2)`); None for a float lock."""
        return self.lease.layout if self.members else None

    def holder(self) -> str:
        """Who keeps it held, for a refusal: the live members' tasks, else the top-level owner task."""
        live = [m for m in self.members if m.state == "live"]
        if not live:
            return f"owner {self.lease.owner_task} is {self.owner_state}"
        return ", ".join(f"shard {m.member.index} on {m.member.owner_task} is {m.owner_state}" for m in live)

    def as_json(self, now: float) -> dict[str, Any]:
        lease = self.lease
        return {
            "namespace": lease.namespace,
            "lock_key": lease.lock_key,
            "owner": lease.owner,
            "owner_task": lease.owner_task,
            "state": self.state,
            "owner_state": self.owner_state,
            "age_s": round(now - lease.acquired_at),
            "lease_left_s": round(lease.lease_expires_at - now),
            "rvn": lease.rvn,
            "layout": None
            if not self.members
            else {
                "text": self.layout,
                "shard_count": lease.shard_count,
                "running": [m.member.index for m in self.members],
                "joined": list(lease.joined),
                "members": [m.as_json(now) for m in self.members],
            },
        }


def layout_state(members: tuple[MemberView, ...]) -> tuple[str, str]:
    """(state, owner_state) of a layout: live if any member is live; orphaned only if every member's
    owner is provably dead; else expired. Its owner is alive if any is, dead if all are."""
    states = {m.state for m in members}
    owners = {m.owner_state for m in members}
    state = "live" if "live" in states else ("orphaned" if states == {"orphaned"} else "expired")
    owner = "alive" if "alive" in owners else ("dead" if owners == {"dead"} else "unknown")
    return state, owner


def view_lock(lease: Lease, liveness: Any, now: float) -> LockView:
    """Judge a lock: by its owner, or a job lock's layout by every member in it now."""
    if not lease.members:  # a float lock, or a job-lock item without members (older, or all left)
        owner_state = liveness.describe(lease.owner_task)
        return LockView(lease, lock_state(lease.lease_expires_at, owner_state, now), owner_state)
    members = []
    for member in lease.members:
        owner_state = liveness.describe(member.owner_task)
        members.append(MemberView(member, lock_state(member.lease_expires_at, owner_state, now), owner_state))
    state, owner_state = layout_state(tuple(members))
    return LockView(lease, state, owner_state, tuple(members))

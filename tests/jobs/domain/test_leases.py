"""One rule for "a lease holds" (jobs/domain/leases.py): the batch's job lock (who may join), the
on-call views (`status`, `locks`, launch's guards) and the preview's SKIP_LOCKED cannot disagree.
Pure unit tests over every combination of expiry and owner."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from jobs.adapters.job_lock import JobLockStore
from jobs.domain.leases import LIVE, Lease, Member, is_live, lease_end, lease_state
from jobs.finance.preview import lock_verdict
from jobs.oncall.lock_view import view_lock

NOW = 1_000_000.0
EXPIRIES = (NOW - 1, NOW, NOW + 1)
OWNERS = ("dead-host:1", "alive-host:2")


def _dead(task: str) -> bool:
    return task.startswith("dead")


def test_lease_state_is_live_exactly_when_is_live():
    """lease_state says live exactly when is_live does, around the expiry and for both owner states."""
    for expires, dead in itertools.product(EXPIRIES, (True, False)):
        assert (lease_state(expires, dead, NOW) == LIVE) == is_live(expires, NOW, lambda d=dead: d)


def test_the_job_lock_the_views_and_the_preview_agree_on_every_member():
    liveness = SimpleNamespace(describe=lambda task: "dead" if _dead(task) else "alive")
    store = JobLockStore(SimpleNamespace(owner_is_dead=_dead))
    cases = list(itertools.product(EXPIRIES, OWNERS))
    for layout in itertools.product(cases, repeat=2):
        members = tuple(Member(i, f"run-{i}", owner, expires) for i, (expires, owner) in enumerate(layout))
        lease = Lease("job", "day-before-ach", "run-0", OWNERS[1], NOW - 60, NOW + 60, "r", members=members)
        values = {
            "shards": {
                str(m.index): {"owner_task": m.owner_task, "lease_expires_at": m.lease_expires_at}
                for m in members
            }
        }
        joined_live = set(store._live_members(values, NOW))
        shown_live = {m.member.index for m in view_lock(lease, liveness, NOW).members if m.state == LIVE}
        previewed_live = {
            m.index
            for m in members
            if lock_verdict(
                Lease("float", "k", m.owner, m.owner_task, NOW - 60, m.lease_expires_at, "r"), NOW, _dead
            )
        }
        assert joined_live == shown_live == previewed_live, layout


def test_is_live_asks_about_the_owner_only_of_a_running_lease():
    asked = []
    assert not is_live(NOW - 1, NOW, lambda: asked.append(1) or False)
    assert asked == []  # an expired lease costs no ECS DescribeTasks
    assert is_live(NOW, NOW, lambda: asked.append(1) or False) and asked == [1]


def test_a_lease_expires_where_is_live_stops_and_ends_on_the_stored_whole_second():
    for expires in EXPIRIES:
        lease = Lease("float", "k", "run", "alive-host:1", NOW - 60, expires, "r")
        assert lease.expired(NOW) == (not is_live(expires, NOW, lambda: False))
    assert lease_end(NOW + 0.7, 10) == NOW + 10 and lease_end(NOW, 10) == NOW + 10

"""The lock store on DynamoDB (moto): acquire, renew and release fenced by rvn, takeovers of expired
and dead owners, lost replies read back, and a failing call as one clear error."""

from __future__ import annotations

import time

import pytest

from jobs.adapters.job_lock import JobLockStore
from jobs.adapters.locks import LeaseLost, LockStore


def test_lock_lifecycle_with_fencing(runtime, load):
    load({})
    locks = LockStore(runtime.aws.client("dynamodb"), runtime.settings.locks_table)
    first = locks.acquire("float", "float#1", "run-a", "other-host:1", 60)
    assert first is not None and not first.took_over  # nobody held it
    assert locks.acquire("float", "float#1", "run-b", "other-host:2", 60) is None
    renewed = locks.renew(first, 60)
    assert renewed.rvn != first.rvn
    with pytest.raises(LeaseLost):
        locks.renew(first, 60)  # the stale rvn is fenced out
    assert locks.release(first) is False
    assert locks.get("float", "float#1").rvn == renewed.rvn
    assert locks.release(renewed) is True and locks.get("float", "float#1") is None


def test_an_expired_lease_is_free_and_a_dead_local_owner_is_free(runtime, load):
    import socket

    load(
        {
            "locks": [
                {
                    "namespace": "float",
                    "lock_key": "float#2",
                    "owner": "old",
                    "owner_task": "other-host:1",
                    "lease_expires_in_s": -1,
                },
                {
                    "namespace": "float",
                    "lock_key": "float#3",
                    "owner": "dead",
                    "owner_task": f"{socket.gethostname()}:999999",
                    "lease_expires_in_s": 600,
                },
                {
                    "namespace": "float",
                    "lock_key": "float#4",
                    "owner": "alive",
                    "owner_task": "other-host:1",
                    "lease_expires_in_s": 600,
                },
            ]
        }
    )
    locks = runtime.locks()
    assert locks.acquire("float", "float#2", "me", "me:1", 60).took_over  # expired
    assert locks.acquire("float", "float#3", "me", "me:1", 60).took_over  # a dead owner
    assert locks.acquire("float", "float#4", "me", "me:1", 60) is None
    assert {lease.lock_key for lease in locks.list("float")} == {"float#2", "float#3", "float#4"}


def test_the_store_frees_a_lease_exactly_when_the_lease_rule_calls_it_expired(runtime, load):
    """DynamoDB's conditional writes and jobs.domain.leases.runs read the same expiry: at every instant
    around it, another run takes a float lock or the job lock exactly when `Lease.expired` says so
    (with whole seconds in the condition a lease held up to a second longer than status and the preview
    said; the paused-run trial lost a float to it)."""
    load({})
    ddb, table = runtime.aws.client("dynamodb"), runtime.settings.locks_table
    base = float(int(time.time()) + 1000)
    for i, (taken_at, offset) in enumerate(
        [
            (base - 10, -0.5),
            (base - 10, 0.0),
            (base - 10, 0.25),
            (base - 10, 0.999),
            (base - 9.7, 0.5),
            (base - 10, 1.0),
        ]
    ):
        holder_store = LockStore(ddb, table, clock=lambda t=taken_at: t)
        taker_store = LockStore(ddb, table, clock=lambda t=base + offset: t)
        held = holder_store.acquire("float", f"float#edge{i}", "run-a", "other-host:1", 10)
        assert held.lease_expires_at == holder_store.get("float", f"float#edge{i}").lease_expires_at
        taken = taker_store.acquire("float", f"float#edge{i}", "run-b", "other-host:2", 10)
        assert (taken is not None) == held.expired(base + offset), (taken_at, offset)

        job = JobLockStore(holder_store).join("run-a", "other-host:1", 0, 1, 10)
        assert job.lease_expires_at == holder_store.get("job", job.lock_key).lease_expires_at
        joined = JobLockStore(taker_store).join("run-b", "other-host:2", 0, 1, 10)
        assert (joined is not None) == job.expired(base + offset), (taken_at, offset)
        holder_store.ddb.delete_item(TableName=table, Key=holder_store._key("job", job.lock_key))


def test_a_key_range_lists_the_locks_between_two_keys_in_string_order(runtime, load):
    # The preview reads a page's float locks this way (jobs/finance/preview_inputs.py).
    held = [1, 2, 9, 10, 100, 1000]
    load(
        {
            "locks": [
                {
                    "namespace": "float",
                    "lock_key": f"float#{i}",
                    "owner": f"run-{i}",
                    "owner_task": "other-host:1",
                    "lease_expires_in_s": 600,
                }
                for i in held
            ]
            + [
                {
                    "namespace": "job",
                    "lock_key": "day-before-ach",
                    "owner": "run-job",
                    "owner_task": "other-host:1",
                    "lease_expires_in_s": 600,
                }
            ]
        }
    )
    locks = runtime.locks()
    found = locks.list("float", between=("float#10", "float#9"))
    assert [lease.lock_key for lease in found] == [
        "float#10",
        "float#100",
        "float#1000",
        "float#2",
        "float#9",
    ]
    assert found[0].owner == "run-10" and found[0].owner_task == "other-host:1"
    assert [lease.lock_key for lease in locks.list("float", between=("float#3", "float#8"))] == []
    assert len(locks.list("float")) == len(held)


def _until_the_front_loses_replies(runtime, timeout_s=10.0):
    """The AWS front polls the faults a few times a second: wait until a write really loses its reply."""
    import boto3
    from botocore.config import Config

    s = runtime.settings
    raw = boto3.client(
        "dynamodb",
        endpoint_url=s.aws_endpoint_url,
        region_name=s.region,
        aws_access_key_id=s.aws_access_key_id,
        aws_secret_access_key=s.aws_secret_access_key,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),  # one try, no retry
    )
    item = {"namespace": {"S": "probe"}, "lock_key": {"S": "probe"}}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            raw.put_item(TableName=s.locks_table, Item=item)
        except raw.exceptions.InternalServerError:
            return
    raise AssertionError("the lost-reply fault never took effect")


def test_a_lost_dynamodb_reply_reads_as_success_not_as_a_lost_lock(runtime, load, sandbox):
    from floatctl_sandbox import actions

    load({})
    locks = LockStore(runtime.aws.client("dynamodb"), runtime.settings.locks_table)
    actions.faults_request(sandbox, "PUT", {"dynamodb.lost_reply_rate": 1.0})
    _until_the_front_loses_replies(runtime)
    try:
        # Every write lands and answers 500; botocore retries and the retry fails its own condition.
        lease = locks.acquire("float", "float#9", "run-a", "other-host:1", 60)
        assert lease is not None
        renewed = locks.renew(lease, 60)
        job = JobLockStore(locks)
        joined = job.join("run-a", "other-host:1", 0, 1, 60)
        assert joined is not None
        joined = job.renew(joined, 60)
        assert locks.release(renewed) is True
        assert job.leave(joined) is True
    finally:
        actions.faults_request(sandbox, "DELETE")
    assert locks.get("float", "float#9") is None and job.get() is None


def test_a_dynamodb_call_that_fails_outright_is_one_clear_error(runtime):
    from jobs.errors import DependencyError

    locks = LockStore(runtime.aws.client("dynamodb"), "no-such-table")
    with pytest.raises(DependencyError, match="no-such-table.*ResourceNotFoundException"):
        locks.acquire("float", "float#1", "run-a", "other-host:1", 60)

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

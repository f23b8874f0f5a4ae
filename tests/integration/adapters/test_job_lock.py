"""The job lock on DynamoDB (moto): one layout at a time, and the shards of it."""

from __future__ import annotations

import pytest

from jobs.adapters.job_lock import JobLockStore
from jobs.adapters.locks import LeaseLost, LockStore


def test_the_job_lock_admits_one_layout_and_the_shards_of_it(runtime, load):
    load({})
    job = JobLockStore(LockStore(runtime.aws.client("dynamodb"), runtime.settings.locks_table))
    first = job.join("run-a", "other-host:1", 0, 2, 60)
    assert first is not None and first.shard_count == 2
    assert job.join("run-u", "other-host:9", 0, 1, 60) is None  # unsharded while a 2-layout runs
    assert job.join("run-c", "other-host:3", 1, 3, 60) is None  # another count
    assert job.join("run-d", "other-host:4", 0, 2, 60) is None  # the same index twice
    second = job.join("run-b", "other-host:2", 1, 2, 60)
    assert second is not None
    held = job.get()
    assert (held.shard_count, held.shards, held.joined) == (2, (0, 1), (0, 1))
    assert "shards 0,1 of 2" in held.layout
    renewed = job.renew(first, 60)
    with pytest.raises(LeaseLost):
        job.renew(first, 60)
    assert job.leave(renewed) is True
    assert job.get().shards == (1,)  # the layout lives while one shard does
    assert job.join("run-u", "other-host:9", 0, 1, 60) is None
    assert job.leave(second) is True and job.get() is None  # the last one out deletes it
    alone = job.join("run-u", "other-host:9", 0, 1, 60)
    assert alone is not None and job.join("run-v", "other-host:8", 0, 1, 60) is None
    assert job.leave(alone) and job.get() is None

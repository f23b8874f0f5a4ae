"""Every key format and its parsing (jobs/domain/keys.py)."""

from __future__ import annotations

from datetime import date

import pytest

from jobs.domain import keys


def test_builders_and_parsers_round_trip():
    assert keys.parse_float_lock_key(keys.float_lock_key(42)) == 42
    assert keys.parse_run_pk(keys.run_pk(date(2026, 11, 23))) == date(2026, 11, 23)
    assert keys.parse_job_lock_key(keys.JOB_NAME) == keys.JobLockKey("day-before-ach")
    assert keys.watch_page_pk(date(2026, 11, 20)) == "watch#2026-11-20"
    assert keys.idempotency_key(7, date(2026, 11, 27)) == "day-before-ach:7:2026-11-27"


def test_sharded_job_lock_keys_parse_with_their_layout():
    parsed = keys.parse_job_lock_key("day-before-ach#shard-1-of-3")
    assert (parsed.job, parsed.shard_index, parsed.shard_count) == ("day-before-ach", 1, 3)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "day-before-ach#",
        "day-before-ach#shard-3-of-3",
        "day-before-ach#shard-x-of-2",
        "other-job",
        "float#1",
    ],
)
def test_other_keys_are_not_job_locks(key):
    assert keys.parse_job_lock_key(key) is None


@pytest.mark.parametrize("key", ["float#", "float#x", "job#1", "float1"])
def test_malformed_float_keys(key):
    assert keys.parse_float_lock_key(key) is None


@pytest.mark.parametrize("pk", ["run#", "run#2026-02-30", "float#1"])
def test_malformed_run_keys(pk):
    assert keys.parse_run_pk(pk) is None

"""Every key format and its parsing (jobs/domain/keys.py)."""

from __future__ import annotations

from datetime import date

import pytest

from jobs.domain import keys
from jobs.errors import UsageError


def test_builders_and_parsers_round_trip():
    assert keys.parse_float_lock_key(keys.float_lock_key(42)) == 42
    assert keys.parse_run_pk(keys.run_pk(date(2026, 11, 23))) == date(2026, 11, 23)
    assert keys.is_job_lock_key(keys.job_lock_key()) and keys.job_lock_key() == keys.JOB_NAME
    assert keys.watch_page_pk(date(2026, 11, 20)) == "watch#2026-11-20"
    assert keys.idempotency_key(7, date(2026, 11, 27)) == "day-before-ach:7:2026-11-27"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "day-before-ach#",
        "day-before-ach#shard-1-of-3",  # the per-layout keys of old: one job lock per environment now
        "other-job",
        "float#1",
    ],
)
def test_other_keys_are_not_the_job_lock(key):
    assert not keys.is_job_lock_key(key)


@pytest.mark.parametrize(
    ("typed", "namespace", "expected"),
    [
        ("101", None, ("float", "float#101")),
        ("float#101", None, ("float", "float#101")),
        ("float/float#7", None, ("float", "float#7")),
        ("FLOAT/7", None, ("float", "float#7")),
        ("day-before-ach", None, ("job", "day-before-ach")),
        ("job/day-before-ach", None, ("job", "day-before-ach")),
        ("day-before-ach", "JOB", ("job", "day-before-ach")),
        ("odd-key", "float", ("float", "odd-key")),
        ("007", None, ("float", "float#7")),
    ],
)
def test_lock_refs_as_operators_type_them(typed, namespace, expected):
    assert keys.parse_lock_ref(typed, namespace) == expected


@pytest.mark.parametrize(
    ("typed", "namespace", "message"),
    [
        ("0", None, "a float id is 1 or more"),
        ("float#0", None, "a float id is 1 or more"),
        ("nonsense", None, "cannot tell the namespace of 'nonsense'"),
        ("101", "locks", "--namespace: 'locks' is not one of job, float"),
    ],
)
def test_lock_refs_that_name_no_lock_are_usage_errors(typed, namespace, message):
    with pytest.raises(UsageError, match=message):
        keys.parse_lock_ref(typed, namespace)


@pytest.mark.parametrize("key", ["float#", "float#x", "job#1", "float1"])
def test_malformed_float_keys(key):
    assert keys.parse_float_lock_key(key) is None


@pytest.mark.parametrize("pk", ["run#", "run#2026-02-30", "float#1"])
def test_malformed_run_keys(pk):
    assert keys.parse_run_pk(pk) is None

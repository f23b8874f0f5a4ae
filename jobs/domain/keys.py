"""Deterministic keys shared by the batch, the stores and the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

JOB_NAME = "day-before-ach"


def idempotency_key(float_id: int, due_date: date) -> str:
    """The Payments idempotency key: the same float and due date can never make two payments."""
    return f"{JOB_NAME}:{float_id}:{due_date.isoformat()}"


def float_lock_key(float_id: int) -> str:
    return f"float#{float_id}"


def float_pk(float_id: int) -> str:
    return f"float#{float_id}"


def run_pk(due_date: date) -> str:
    return f"run#{due_date.isoformat()}"


def job_lock_key() -> str:
    """The job lock's key in the `job` namespace: one per environment, whatever the shard layout."""
    return JOB_NAME


# --- Parsing (added for status/preview/watch; the builders above stay as they are) ---------------

_SHARD_SUFFIX = "#shard-"


@dataclass(frozen=True)
class JobLockKey:
    """A parsed job-lock key: the job, and the shard layout when the key names one."""

    job: str
    shard_index: int | None = None
    shard_count: int | None = None


def parse_job_lock_key(lock_key: str) -> JobLockKey | None:
    """`day-before-ach`, or the per-shard `day-before-ach#shard-<i>-of-<n>`; None for any other key."""
    if lock_key == JOB_NAME:
        return JobLockKey(JOB_NAME)
    if not lock_key.startswith(JOB_NAME + _SHARD_SUFFIX):
        return None
    index, sep, count = lock_key[len(JOB_NAME + _SHARD_SUFFIX) :].partition("-of-")
    if not (sep and index.isdigit() and count.isdigit() and int(index) < int(count)):
        return None
    return JobLockKey(JOB_NAME, int(index), int(count))


def parse_float_lock_key(lock_key: str) -> int | None:
    """The float id of a `float#<id>` lock key, or None."""
    prefix, sep, rest = lock_key.partition("#")
    return int(rest) if prefix == "float" and sep and rest.isdigit() else None


def parse_run_pk(pk: str) -> date | None:
    """The due date of a `run#<due date>` history key, or None."""
    prefix, sep, rest = pk.partition("#")
    if prefix != "run" or not sep:
        return None
    try:
        return date.fromisoformat(rest)
    except ValueError:
        return None


def watch_page_pk(run_date: date) -> str:
    """The history-table key under which `floatctl watch` records the one page it sent for a night."""
    return f"watch#{run_date.isoformat()}"

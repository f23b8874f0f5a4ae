"""Deterministic keys shared by the batch, the stores and the sandbox."""

from __future__ import annotations

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

"""Every DynamoDB and Postgres call has a total deadline and is cut at its thread's stop (deadline.py),
against the sandbox's moto front (a slow-drip fault) and a real Postgres (a table locked by someone else)."""

from __future__ import annotations

import threading
import time
from datetime import date

import psycopg
import pytest

from jobs.adapters import boto_deadline, deadline, postgres
from jobs.domain.records import FloatEvent
from jobs.errors import DependencyError
from tests import scenarios
from tests.waiting import wait_for


def _dripping(runtime, sandbox):
    """Turn on the slow-drip fault and wait until the front applies it (it polls the settings)."""
    from floatctl_sandbox import actions

    actions.faults_request(sandbox, "PUT", {"dynamodb.trickle_byte_s": 2})
    history = runtime.history()
    give_up = time.monotonic() + 10
    while time.monotonic() < give_up:
        started = time.monotonic()
        try:
            history.runs(date(2026, 1, 1))
        except DependencyError:
            return  # cut: it dripped
        if time.monotonic() - started > 1.5:
            return
    raise AssertionError("the drip fault never took effect")


def test_a_dripping_dynamodb_answer_is_cut_at_the_deadline_and_at_the_stop(
    runtime, load, sandbox, monkeypatch
):
    from floatctl_sandbox import actions

    load({})
    history = runtime.history()
    event = FloatEvent(7, "r1", "FAILED", date(2026, 11, 24), idempotency_key="k")
    monkeypatch.setattr(boto_deadline, "CALL_DEADLINE_S", 2.5)
    try:
        _dripping(runtime, sandbox)
        started = time.monotonic()
        with pytest.raises(DependencyError, match="total deadline of 2.5 s"):
            history.put_event(event)  # botocore's 20 s read timeout never fires: a byte comes every 2 s
        assert time.monotonic() - started < 4.0  # no retry after the cut
        stop = threading.Event()
        # The stop comes 0.5 s into a call whose first byte takes 2 s: its moment is the stimulus (moto's
        # front shows no call in flight to wait for), and the call is still dripping when it comes.
        threading.Timer(0.5, stop.set).start()
        started = time.monotonic()
        with deadline.scope(stop=stop), pytest.raises(DependencyError, match="hard stop"):
            history.float_events(7)
        assert time.monotonic() - started < 1.5
        with deadline.scope(until=lambda: time.monotonic() - 1), pytest.raises(DependencyError):
            history.put_event(event)  # past the exit deadline: not even sent
    finally:
        actions.faults_request(sandbox, "DELETE")


def test_a_postgres_call_waiting_on_a_lock_is_cut_at_the_stop_and_the_deadline(runtime, load, monkeypatch):
    load(scenarios.mixed(3, seed=2))
    floats = runtime.floats()
    float_id = next(iter(floats.pages(scenarios.due_window(scenarios.RUN_DATE), 10)))[0].id
    with psycopg.connect(runtime_dsn(runtime, "main")) as locker:
        locker.execute("LOCK TABLE floats IN ACCESS EXCLUSIVE MODE")
        stop = threading.Event()
        threading.Thread(target=_stop_once_waiting_on_a_lock, args=(runtime, stop), daemon=True).start()
        started = time.monotonic()
        with deadline.scope(stop=stop), pytest.raises(DependencyError, match="hard stop"):
            floats.refetch(float_id)
        assert time.monotonic() - started < 1.5
        monkeypatch.setattr(postgres, "CALL_DEADLINE_S", 1.0)
        started = time.monotonic()
        with pytest.raises(DependencyError, match="total deadline of 1 s"):
            floats.refetch(float_id)
        assert time.monotonic() - started < 2.0
        locker.rollback()
    assert floats.refetch(float_id) is not None  # the pool recovered from the cut connections


def _stop_once_waiting_on_a_lock(runtime, stop: threading.Event) -> None:
    """Set `stop` once floatctl's query waits on the table lock: the stop lands on a call in flight."""
    with psycopg.connect(runtime_dsn(runtime, "main"), autocommit=True) as watcher:
        wait_for(
            lambda: watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = 'floatctl' AND wait_event_type = 'Lock'"
            ).fetchone()[0],
            10,
            "the re-fetch to wait on the lock",
        )
    stop.set()


def runtime_dsn(runtime, which: str) -> str:
    main, replica = postgres.load_secrets(
        runtime.aws.client("secretsmanager"), runtime.settings.main_secret, runtime.settings.replica_secret
    )
    return (main if which == "main" else replica).conninfo()

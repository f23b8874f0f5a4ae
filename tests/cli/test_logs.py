"""The container's JSON log lines (stdout not a terminal): the `run started` line and its fields, and a
level that follows the outcome, so Datadog's level-based monitors fire on a bad night: a FAILED float
at WARNING, a FAILED or INTERRUPTED run's `run finished` line at ERROR, everything else at INFO."""

from __future__ import annotations

import json
import os
import signal

from tests import scenarios

DATE = scenarios.RUN_DATE.isoformat()


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _no_card(n: int, start_id: int) -> dict:
    document = scenarios.mixed(n, seed=start_id, start_id=start_id)
    return document | {"cards": []}  # every float needs an ACH


def test_run_started_names_the_run_and_its_knobs_and_failed_floats_warn(sandbox, load, cli, floatctl_proc):
    load(_no_card(8, 7000))
    assert cli("sandbox", "faults", "set", "payments.error_rate=1").exit_code == 0
    proc = floatctl_proc(
        "run", "day-before-ach", "--date", DATE, "--payment-submit-rate", "7", "--workers", "3",
        "--shard-index", "1", "--shard-count", "2", env={**os.environ, "FLOATCTL_HTTP_ATTEMPTS": "1"},
    )  # fmt: skip
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    lines = _lines(out)
    started = next(line for line in lines if line.get("event") == "run_started")
    finished = next(line for line in lines if line["message"].startswith("run finished"))
    assert started["level"] == "INFO" and started["message"] == f"run started: {started['run_id']}"
    assert started["run_id"] == finished["run_id"] and started["run_date"] == DATE
    assert started["due_window"] == {"start": "2026-11-21", "end": "2026-11-23"}
    assert (started["payment_submit_rate"], started["workers"]) == (7, 3)
    assert (started["shard_index"], started["shard_count"]) == (1, 2)
    assert started["dd.service"] == "collections-jobs" and started["dd.version"]
    floats = [line for line in lines if line.get("float_id") is not None and "outcome" in line]
    assert floats, out
    for line in floats:  # FAILED at WARNING; the shard's skips (if any) at INFO
        assert line["level"] == ("WARNING" if line["outcome"] == "FAILED" else "INFO"), line
    assert any(line["outcome"] == "FAILED" for line in floats)
    assert finished["level"] == "ERROR" and finished["status"] == "FAILED"


def test_an_interrupted_run_ends_at_error(sandbox, load, cli, floatctl_proc):
    load(_no_card(30, 7100))
    assert cli("sandbox", "faults", "set", "payments.latency_ms=200").exit_code == 0
    proc = floatctl_proc("run", "day-before-ach", "--date", DATE, "--payment-submit-rate", "2")
    seen = []
    for raw in proc.stdout:  # the pipeline is under way once a float is submitted: then SIGTERM
        seen.append(raw)
        if '"outcome": "SUBMITTED"' in raw:
            proc.send_signal(signal.SIGTERM)
            break
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 143
    lines = _lines("".join(seen) + out)
    finished = next(line for line in lines if line["message"].startswith("run finished"))
    assert finished["status"] == "INTERRUPTED" and finished["level"] == "ERROR"
    assert {line["level"] for line in lines if line.get("outcome") == "SUBMITTED"} == {"INFO"}

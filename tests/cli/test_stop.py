"""`floatctl stop`: StopTask on the sandbox's local Fargate, the run's SIGTERM drain, INTERRUPTED, audited."""

from __future__ import annotations

import json
import time

import pytest

from tests import scenarios

AT_1931 = "2026-11-20T19:31:00-05:00"


@pytest.fixture(autouse=True)
def evening(monkeypatch, sandbox):
    monkeypatch.setenv("FLOATCTL_NOW", AT_1931)


def _wait_for(predicate, timeout: float = 60.0, what: str = "the condition"):
    """Poll the sandbox until `predicate()` returns something truthy (the task boots a Python process)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout:.0f}s")
        time.sleep(0.2)


def test_stop_drains_the_running_batch_to_interrupted_and_audits(
    cli, load, sandbox, app_context, monkeypatch
):
    from floatctl_sandbox import actions
    from jobs.domain.calendar import due_window
    from tests.scenarios import RUN_DATE

    load(scenarios.mixed(120, seed=61))
    actions.faults_request(sandbox, "PUT", {"payments.latency_ms": 3000})  # a run of minutes, not seconds
    # 13:00 ET: the last fire was Thursday's, so only the task's business-date tag says which run to stop.
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T13:00:00-05:00")
    launched = cli(
        "launch", "day-before-ach", "--date", "2026-11-20", "--early", "--yes", "--reason", "rehearse a stop"
    )
    assert launched.exit_code == 0, launched.stderr
    task_arn = launched.stdout.strip().splitlines()[-1]  # after the checks table: the task ARN
    history = app_context.runtime().history()
    due = due_window(RUN_DATE).end

    def running():
        return next((r for r in history.runs(due) if r.task_arn == task_arn and r.status == "RUNNING"), None)

    run = _wait_for(running, what="the launched run's RUNNING record")

    dry = json.loads(cli("-o", "json", "stop", "--dry-run").stdout)
    assert dry["task_arns"] == [task_arn] and dry["run_id"] == run.run_id and dry["refused"] is None

    result = cli("stop", "--yes", "--reason", "finance asked to hold tonight", "--poll", "0.3")
    assert result.exit_code == 0, result.stderr
    assert f"StopTask sent to {task_arn}" in result.stderr
    assert f"run {run.run_id} INTERRUPTED" in result.stderr

    final = next(r for r in history.runs(due) if r.run_id == run.run_id)
    assert final.status == "INTERRUPTED" and final.finished_at is not None
    assert sum(final.counts.values()) < 120  # the drain stopped paging: not every float was reached
    task = (
        app_context.runtime()
        .aws.client("ecs")
        .describe_tasks(cluster=app_context.settings.cluster, tasks=[task_arn])["tasks"][0]
    )
    assert task["lastStatus"] == "STOPPED" and task["containers"][0]["exitCode"] == 143
    assert task["stoppedReason"].startswith("floatctl stop by arn:aws:")

    audit = json.loads(cli("-o", "json", "history", "--audit").stdout)["audit"]
    stop = next(a for a in audit if a["action"] == "stop")
    assert stop["reason"] == "finance asked to hold tonight"
    assert stop["before"] == {"run_id": run.run_id, "run_status": "RUNNING", "task_arns": [task_arn]}

    again = cli("stop", "--yes", "--reason", "twice")  # nothing runs now: refused, exit 3
    assert again.exit_code == 3 and "no task of the family is running" in again.stderr
    assert "for run date 2026-11-19" in again.stderr  # with no task, the last fire's date
    later = cli("stop", "--date", "2026-11-20", "--yes", "--reason", "twice")
    assert later.exit_code == 3 and f"run {run.run_id} is INTERRUPTED" in later.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("stop", "--yes"), 3, "no task of the family is running"),  # the guard comes before the reason
        (("stop", "--dry-run"), 3, "no task of the family is running"),
        (("stop", "--date", "someday", "--yes"), 2, "someday"),
    ],
)
def test_refusals_are_one_line(cli, load, args, code, message):
    load(scenarios.mixed(2, seed=62))
    result = cli(*args)
    assert result.exit_code == code and result.stderr.startswith("error: ") and message in result.stderr

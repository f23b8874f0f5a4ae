"""`floatctl stop`: StopTask on the sandbox's local Fargate, the run's SIGTERM drain, INTERRUPTED, audited."""

from __future__ import annotations

import json

import pytest

from tests import scenarios
from tests.waiting import wait_for

pytestmark = pytest.mark.usefixtures("sandbox", "at_1931")


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

    run = wait_for(running, 60, "the launched run's RUNNING record (the task boots a Python process)", 0.2)

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


@pytest.mark.parametrize(
    ("status", "outcome", "ok", "says"),
    [
        (
            "INTERRUPTED",
            "drained",
            True,
            "INTERRUPTED (SUBMITTED=3); relaunch later with floatctl --env prod recover",
        ),
        ("SUCCEEDED", "finished", True, "ended SUCCEEDED on its own before the stop took effect"),
        ("FAILED", "finished", True, "a relaunch retries its FAILED floats: floatctl --env prod recover"),
        ("RUNNING", "killed", False, "the drain did not finish (killed?)"),
        (None, "killed", False, "run (none recorded) says None"),
    ],
)
def test_how_a_stop_ended_is_said_as_it_happened(status, outcome, ok, says):
    from datetime import date, datetime

    from jobs.domain.calendar import NEW_YORK
    from jobs.oncall.stop import StopPlan, StopResult

    plan = StopPlan(date(2026, 11, 20), None, ["arn:t"], "me", "prod")
    result = StopResult(["arn:t"], {"arn:t": 0}, "r-1" if status else None, status, {"SUBMITTED": 3})
    assert (result.outcome, result.ok) == (outcome, ok)
    sentence = result.sentence(plan, datetime(2026, 11, 20, 19, 40, tzinfo=NEW_YORK))
    assert says in sentence
    if "recover" in sentence:  # the line to type: the night, the environment, the reason
        assert (
            'floatctl --env prod recover day-before-ach --date 2026-11-20 --reason "<why>" --wait' in sentence
        )
    late = result.sentence(plan, datetime(2026, 11, 20, 21, 40, tzinfo=NEW_YORK))
    if "recover" in late:
        assert '--after-cutoff --reason "<why>" --approved-by "<name>"' in late


def test_a_run_that_ended_succeeded_while_stopping_is_reported_as_such(cli, load, sandbox, app_context):
    """The stop's wait loop against a task whose run SUCCEEDED before the SIGTERM could matter."""
    from jobs.oncall.stop import StopPlan, wait_stopped
    from tests.scenarios import RUN_DATE

    load(scenarios.mixed(4, seed=63))
    launched = cli(
        "-o", "json", "launch", "day-before-ach", "--date", str(RUN_DATE), "--yes", "--wait", "--poll", "0.3"
    )
    assert launched.exit_code == 0, launched.stderr
    task_arn = json.loads(launched.stdout)["task_arn"]
    runtime = app_context.runtime()
    plan = StopPlan(RUN_DATE, None, [task_arn], "me", "sandbox")
    result = wait_stopped(runtime, plan, timeout_s=30, poll_s=0.2)
    assert (result.run_status, result.outcome, result.ok) == ("SUCCEEDED", "finished", True)

"""`floatctl watch day-before-ach` against the sandbox: moto SNS delivers to an SQS inbox that
`floatctl sandbox alerts` lists. One page per bad night, none for a good one or a holiday."""

from __future__ import annotations

import json
import socket

from tests import scenarios

AT_1920 = "2026-11-20T19:20:00-05:00"  # Friday, the first watch
STARTED = "2026-11-21T00:01:00Z"  # 19:01 EST


def _alerts(cli) -> list[dict]:
    result = cli("-o", "json", "sandbox", "alerts")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _watch(cli, *args):
    result = cli("-o", "json", "watch", "day-before-ach", *args)
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def _night(run: dict | None = None, locks: list | None = None) -> dict:
    document = scenarios.mixed(12, seed=51)
    document["runs"] = [run] if run else []
    document["locks"] = locks or []
    return document


def _job_lock(owner_task: str) -> dict:
    return {
        "namespace": "job",
        "lock_key": "day-before-ach",
        "owner": "r-watch",
        "owner_task": owner_task,
        "lease_expires_in_s": 300,
    }


def test_a_died_run_at_1920_pages_once_and_a_second_watch_does_not(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", AT_1920)
    run = {"run_id": "r-watch", "run_date": "2026-11-20", "status": "RUNNING", "started_at": STARTED}
    load(_night(run, [_job_lock(f"{socket.gethostname()}:999999")]))  # its owner is gone: it died
    assert _alerts(cli) == []
    code, first, stderr = _watch(cli)
    assert code == 1 and first["paged"] and first["state"] == "died" and "paged: SNS message" in stderr
    alerts = _alerts(cli)
    assert len(alerts) == 1 and alerts[0]["message_id"] == first["message_id"]
    assert alerts[0]["subject"] == "floatctl watch sandbox: day-before-ach 2026-11-20 the run died"
    message = alerts[0]["message"]
    assert "floatctl recover day-before-ach --date 2026-11-20" in message
    assert f"At stake: {first['projection']['remaining']} floats, $" in message
    assert "A relaunch now at 5.00/s would finish about" in message
    assert first["projection"]["remaining"] > 0

    # Finance hears it once too: the run's summary, saying the watch paged.
    (summary,) = json.loads(cli("-o", "json", "sandbox", "alerts", "--finance").stdout)
    assert "r-watch (the deadline watch paged on-call: died)" in summary["message"]

    code, second, stderr = _watch(cli)  # the 20:15 watch, or a rerun: the night is still bad
    assert code == 1 and not second["paged"] and second["already_paged_at"]
    assert "already paged" in stderr and len(_alerts(cli)) == 1
    assert len(json.loads(cli("-o", "json", "sandbox", "alerts", "--finance").stdout)) == 1


def test_a_healthy_night_and_a_holiday_page_nobody(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", AT_1920)
    run = {"run_id": "r-ok", "run_date": "2026-11-20", "status": "SUCCEEDED", "started_at": STARTED}
    load(_night(run))
    code, healthy, _ = _watch(cli)
    assert code == 0 and not healthy["page"] and healthy["state"] == "succeeded"
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-26T19:20:00-05:00")  # Thanksgiving: the schedule fires
    load(_night())
    code, holiday, _ = _watch(cli)
    assert code == 0 and not holiday["page"] and "not a business day" in holiday["why"]
    assert _alerts(cli) == []


def test_a_slow_run_is_paged_with_its_projection(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", AT_1920)
    run = {
        "run_id": "r-watch",
        "run_date": "2026-11-20",
        "status": "RUNNING",
        "started_at": STARTED,
        "counts": {"SUBMITTED": 1},  # one payment in 19 minutes
    }
    load(_night(run, [_job_lock("ip-10-42-1-9:4242")]))  # a live lock: the run is in progress
    dry_code, dry, _ = _watch(cli, "--dry-run")
    assert dry_code == 1 and dry["page"] and not dry["paged"] and _alerts(cli) == []
    code, slow, _ = _watch(cli)
    projection = slow["projection"]
    assert code == 1 and slow["paged"] and slow["state"] == "running" and projection["measured"]
    assert not projection["fits"] and projection["finish_at"] > projection["cutoff_at"]
    assert "too slow" in slow["why"] and "after the 21:00 ET cutoff" in slow["why"]
    (alert,) = _alerts(cli)
    assert "Projection: 0.00/s (measured)" in alert["message"]


def test_a_fast_run_is_left_alone(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", AT_1920)
    run = {
        "run_id": "r-watch",
        "run_date": "2026-11-20",
        "status": "RUNNING",
        "started_at": STARTED,
        "counts": {"SUBMITTED": 200},
    }
    load(_night(run, [_job_lock("ip-10-42-1-9:4242")]))
    code, fast, _ = _watch(cli)
    assert code == 0 and fast["state"] == "running" and fast["projection"]["fits"]
    assert _alerts(cli) == []


def test_a_night_without_a_run_pages_and_finance_hears_that_no_run_happened(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", AT_1920)
    load(_night())  # the 19:00 fire produced nothing
    code, paged, _ = _watch(cli)
    assert code == 1 and paged["paged"] and paged["state"] == "never-fired"
    (summary,) = json.loads(cli("-o", "json", "sandbox", "alerts", "--finance").stdout)
    assert "2026-11-20: NO RUN, 0 ACH payments $0.00" in summary["subject"]
    assert (
        "no run happened for this run date (the deadline watch paged on-call: never-fired)"
        in (summary["message"])
    )
    _watch(cli)  # the 20:15 watch: already paged, and finance is not told twice
    assert len(json.loads(cli("-o", "json", "sandbox", "alerts", "--finance").stdout)) == 1


def test_a_paused_schedule_is_a_decision_the_watch_does_not_page(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", AT_1920)
    load(_night())
    paused = cli("schedule", "pause", "--reason", "finance holds tonight", "--yes")
    assert paused.exit_code == 0, paused.stderr
    try:
        code, night, _ = _watch(cli)
        assert code == 0 and night["state"] == "paused" and not night["page"] and not night["paged"]
        assert "a decision, not an incident" in night["why"]
        assert _alerts(cli) == []
        status = json.loads(cli("-o", "json", "status").stdout)
        assert status["diagnosis"]["state"] == "paused" and status["diagnosis"]["action"] == "nothing"
        assert "floatctl launch day-before-ach --date 2026-11-20 --wait" in status["advice"]
    finally:
        assert cli("schedule", "resume", "--reason", "test over", "--yes").exit_code == 0


def test_the_watch_run_as_a_task_of_the_family_is_not_the_run_it_watches(
    sandbox, load, cli, app_context, monkeypatch
):
    """On ECS the watch is itself a running task: without excluding its own ARN, a night with no run
    read as `running` (a task of the family is not STOPPED) and paged nobody."""
    import copy
    import time

    from jobs import clock
    from jobs.oncall.launch import plan_launch

    monkeypatch.setenv("FLOATCTL_NOW", AT_1920)
    load(_night())
    runtime = app_context.runtime()
    request = copy.deepcopy(plan_launch(runtime, clock.now(), None, False).request)  # the schedule's target
    override = request["overrides"]["containerOverrides"][0]
    override["command"] = ["-o", "json", "watch", "day-before-ach", "--dry-run"]
    override["environment"] = [{"name": "FLOATCTL_NOW", "value": AT_1920}]
    request["clientToken"] = "watch-as-a-task"
    ecs = runtime.ecs()
    task_arn = ecs.run_task(request)
    deadline = time.monotonic() + 90
    while not (task := ecs.describe([task_arn])[0]).stopped:
        assert time.monotonic() < deadline, "the watch task did not stop"
        time.sleep(0.3)
    log = (sandbox.directory / "tasks" / f"{task_arn.split('/')[-1]}.log").read_text()
    assert '"state": "never-fired"' in log and '"page": true' in log, log
    assert task.exit_codes[0][1] == 1  # a page is due (a dry run publishes nothing)
    assert _alerts(cli) == []

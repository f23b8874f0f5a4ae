"""The on-call story end to end in the sandbox: a missed fire, status, launch --wait, status, refusal."""

from __future__ import annotations

import json

import pytest

from tests import scenarios


def _json(result):
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_missed_fire_status_launch_wait_status_refuse(sandbox, load, cli, at_1931):
    load(scenarios.mixed(12, seed=21))
    status = _json(cli("-o", "json", "status"))
    assert status["run"] is None and status["run_date"] == "2026-11-20"
    assert "did not run" in status["advice"]
    assert status["advice"].endswith("floatctl recover day-before-ach --date 2026-11-20 --wait")
    assert (status["diagnosis"]["state"], status["diagnosis"]["action"]) == ("never-fired", "launch")
    assert (
        status["schedule"]["expression"] == "cron(0 19 ? * MON-FRI *)"
        and status["schedule"]["retry_attempts"] == 0
    )
    assert status["seconds_to_cutoff"] == 89 * 60

    dry = cli("-o", "json", "launch", "day-before-ach", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    request = _json(dry)["request"]
    assert set(request["networkConfiguration"]["awsvpcConfiguration"]) == {
        "subnets",
        "securityGroups",
        "assignPublicIp",
    }
    tags = {t["key"]: t["value"] for t in request["tags"]}
    assert (
        tags["trigger"] == "manual"
        and tags["business-date"] == "2026-11-20"
        and tags["operator"].startswith("arn:aws")
    )
    assert (
        request["clientToken"] == "floatctl-sandbox-20261120-a1" and request["startedBy"] == "floatctl-launch"
    )
    assert request["overrides"]["containerOverrides"][0]["command"] == [
        "run",
        "day-before-ach",
        "--date",
        "2026-11-20",
    ]

    launched = cli("-o", "json", "launch", "day-before-ach", "--yes", "--wait", "--poll", "0.3")
    assert launched.exit_code == 0, launched.stderr
    followed = _json(launched)
    assert followed["exit_code"] == 0 and followed["run_status"] == "SUCCEEDED"
    assert "task RUNNING" in launched.stderr and "task STOPPED" in launched.stderr

    status = _json(cli("-o", "json", "status"))
    assert status["run"]["status"] == "SUCCEEDED" and status["run"]["started_by"].startswith(
        "operator:arn:aws"
    )
    assert status["run"]["task_arn"] == followed["task_arn"]
    assert status["advice"].startswith("Nothing to do")

    again = cli("launch", "day-before-ach", "--yes")
    assert again.exit_code == 3
    assert "launch refused" in again.stderr and "SUCCEEDED" in again.stderr

    audit = _json(cli("-o", "json", "history", "--audit"))["audit"]  # the ledger keeps real time
    assert [a["action"] for a in audit] == ["launch"]


def test_a_failing_task_passes_its_exit_code_through(sandbox, load, cli, at_1931):
    load(scenarios.mixed(6, seed=22) | {"cards": []})
    assert cli("sandbox", "faults", "set", "payments.error_rate=1").exit_code == 0
    launched = cli("launch", "day-before-ach", "--yes", "--wait", "--poll", "0.3")
    assert launched.exit_code == 1, launched.stderr
    status = _json(cli("-o", "json", "status"))
    assert status["run"]["status"] == "FAILED" and "Relaunch" in status["advice"]
    cli("sandbox", "faults", "clear")
    # A FAILED run does not block a relaunch; the new attempt gets a new client token.
    dry = _json(cli("-o", "json", "launch", "day-before-ach", "--dry-run"))
    assert dry["request"]["clientToken"].endswith("-a2") and not dry["refused"]


def test_launch_refuses_while_the_job_lock_is_live_and_past_cutoff(sandbox, load, cli, monkeypatch):
    load(
        scenarios.mixed(3)
        | {
            "locks": [
                {
                    "namespace": "job",
                    "lock_key": "day-before-ach",
                    "owner": "r-other",
                    "owner_task": "other-host:7",
                    "lease_expires_in_s": 60,
                }
            ]
        }
    )
    monkeypatch.setenv("FLOATCTL_NOW", scenarios.AFTER_FIRE)
    refused = cli("launch", "day-before-ach", "--yes")
    assert refused.exit_code == 3 and "job lock free" in refused.stderr
    load(scenarios.mixed(3))
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T21:05:00-05:00")
    late = cli("launch", "day-before-ach", "--dry-run")
    assert late.exit_code == 3 and "cutoff" in late.stderr
    assert cli("launch", "day-before-ach", "--dry-run", "--after-cutoff").exit_code == 0


def test_status_before_the_fire_and_on_a_weekend(sandbox, load, cli, monkeypatch):
    load(scenarios.mixed(3))
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-21T12:00:00-05:00")  # Saturday
    status = _json(cli("-o", "json", "status"))
    assert status["today"]["business_day"] is False and status["last_fire"].startswith("2026-11-20T19:00")
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T18:00:00-05:00")
    status = _json(cli("-o", "json", "status"))
    assert status["last_fire"].startswith("2026-11-19T19:00")
    table = cli("status")
    assert table.exit_code == 0 and "day-before-ach status" in table.stdout


def test_status_and_launch_when_the_schedule_is_missing(sandbox, load, cli, monkeypatch, at_1931):
    monkeypatch.setenv("FLOATCTL_SCHEDULE_NAME", "no-such-schedule")
    status = _json(cli("-o", "json", "status"))
    assert "does not exist" in status["schedule_error"] and "cannot be read" in status["advice"]
    launched = cli("launch", "day-before-ach", "--dry-run")
    assert (
        launched.exit_code in (1, 3)
        and launched.stderr.startswith("error: ")
        and "Traceback" not in launched.output
    )


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--date", "31/12/2026"),
        ("launch", "day-before-ach", "--date", "tomorrowish"),
        ("history", "--date", "2026-02-30"),
        ("launch", "day-before-ach", "--timeout", "0"),
    ],
)
def test_bad_dates_and_flags_exit_2(cli, args):
    result = cli(*args)
    assert result.exit_code == 2 and result.stderr.startswith("error: ")


def test_launch_shards_starts_n_tasks_that_pay_the_set_once(sandbox, load, cli, at_1931):
    from floatctl_sandbox import actions

    load(scenarios.mixed(24, seed=25))
    expected = {
        r["float_id"] for r in _json(cli("-o", "json", "preview"))["rows"] if r["verdict"] == "SUBMIT_ACH"
    }
    dry = _json(cli("-o", "json", "launch", "day-before-ach", "--shards", "3", "--dry-run"))
    commands = [r["overrides"]["containerOverrides"][0]["command"] for r in dry["request"]]
    assert [c[-4:] for c in commands] == [["--shard-index", str(i), "--shard-count", "3"] for i in range(3)]
    assert len({r["clientToken"] for r in dry["request"]}) == 3
    launched = cli("launch", "day-before-ach", "--shards", "3", "--yes", "--wait", "--poll", "0.3")
    assert launched.exit_code == 0, launched.stderr
    assert launched.stderr.count("launched arn:") == 3
    paid = [p["float_id"] for p in actions.payments(sandbox)]
    assert sorted(paid) == sorted(expected)


def test_prod_launch_needs_a_reason(cli, monkeypatch, at_1931):
    monkeypatch.setenv("FLOATCTL_ENV", "prod")
    result = cli("launch", "day-before-ach", "--yes")
    assert result.exit_code != 0 and result.stderr.startswith(("error:", "*** PRODUCTION"))


def test_a_sharded_run_shows_its_layout_everywhere_and_is_live_while_it_runs(
    sandbox, load, cli, app_context, at_1931
):
    import time

    from floatctl_sandbox import actions

    load(scenarios.mixed(120, seed=61))
    actions.faults_request(sandbox, "PUT", {"payments.latency_ms": 3000})  # a run of minutes
    launched = cli("launch", "day-before-ach", "--shards", "3", "--yes")
    assert launched.exit_code == 0, launched.stderr
    try:
        deadline = time.monotonic() + 90
        while True:  # the three tasks boot a Python process each, then join the layout
            locks = _json(cli("-o", "json", "locks", "list", "-n", "job"))["locks"]
            if locks and locks[0]["layout"] and locks[0]["layout"]["joined"] == [0, 1, 2]:
                break
            assert time.monotonic() < deadline, f"the shards did not all join: {locks}"
            time.sleep(0.3)
        lock = locks[0]
        assert lock["state"] == "live" and lock["layout"]["shard_count"] == 3
        assert {m["owner_state"] for m in lock["layout"]["members"]} == {"alive"}
        status = _json(cli("-o", "json", "status"))
        assert status["diagnosis"]["state"] == "running"
        assert status["job_locks"][0]["layout"]["text"].endswith("of 3 running (joined 0,1,2)")
        assert "of 3 running (joined 0,1,2)" in cli("locks", "list").stdout
        refused = cli("locks", "release", "day-before-ach", "--rvn", lock["rvn"], "--reason", "x", "--yes")
        assert refused.exit_code == 3 and "is live" in refused.stderr
    finally:
        actions.stop_tasks(app_context)

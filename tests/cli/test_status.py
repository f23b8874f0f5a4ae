"""`status`, `recover` and `launch` name the same night, in the sandbox: the examples of issue 17."""

from __future__ import annotations

import json

from tests import scenarios


def _json(result):
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_0147_after_a_missed_fire_status_and_recover_agree_and_the_advice_runs(
    sandbox, load, cli, monkeypatch
):
    load(scenarios.mixed(6, seed=31))
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-21T01:47:00-05:00")  # Saturday 01:47; Friday's fire missed
    status = _json(cli("-o", "json", "status"))
    recover = _json(cli("-o", "json", "recover", "day-before-ach", "--dry-run"))
    assert status["run_date"] == recover["run_date"] == "2026-11-20"
    assert (recover["state"], recover["action"]) == ("never-fired", "tell-finance")
    assert status["diagnosis"]["state"] == recover["state"] and status["advice"] == recover["advice"]
    command = recover["command"]
    assert command == "floatctl recover day-before-ach --date 2026-11-20 --after-cutoff --wait"
    assert command in status["advice"]
    # Following the advice literally acts on the same night (here as a dry run of the same command).
    args = command.split()[1:-1]  # without `floatctl` and `--wait`
    followed = _json(cli("-o", "json", *args, "--dry-run"))
    assert (followed["run_date"], followed["action"]) == ("2026-11-20", "launch")
    launch = _json(cli("-o", "json", "launch", "day-before-ach", "--after-cutoff", "--dry-run"))
    assert launch["run_date"] == "2026-11-20" and not launch["refused"]


def test_status_with_a_date_names_that_days_fire(sandbox, load, cli, at_1931):
    load(scenarios.mixed(3))
    status = _json(cli("-o", "json", "status", "--date", "2026-11-18"))
    assert status["run_date"] == "2026-11-18" and status["fire_at"].startswith("2026-11-18T19:00")
    table = cli("status", "--date", "2026-11-18")
    assert table.exit_code == 0 and "Wed 2026-11-18 19:00:00 EST" in table.stdout
    assert "Fri 2026-11-20 19:00" not in table.stdout.split("next fire")[0]
    saturday = _json(cli("-o", "json", "status", "--date", "2026-11-21"))
    assert saturday["fire_at"] is None and saturday["diagnosis"]["state"] == "no-fire"


def test_launch_41_hours_ahead_of_the_fire_is_refused_unless_early(sandbox, load, cli, monkeypatch):
    load(scenarios.mixed(3, run_date=scenarios.RUN_DATE))
    monkeypatch.setenv(
        "FLOATCTL_NOW", "2026-11-19T02:00:00-05:00"
    )  # Thursday 02:00; Friday 19:00 is 41 h away
    refused = cli("launch", "day-before-ach", "--date", "2026-11-20", "--yes")
    assert refused.exit_code == 3 and "launch refused: the run date's fire has passed" in refused.stderr
    assert "41 h ahead" in refused.stderr and "--early" in refused.stderr
    dry = _json(cli("-o", "json", "launch", "day-before-ach", "--date", "2026-11-20", "--early", "--dry-run"))
    assert not dry["refused"]
    recover = _json(cli("-o", "json", "recover", "day-before-ach", "--date", "2026-11-20"))
    assert (recover["state"], recover["action"]) == ("not-yet-due", "nothing")
    assert "hours before the 21:00 ET cutoff" in recover["advice"]


def test_a_fire_that_failed_to_start_is_read_from_the_dlq_without_consuming_it(
    sandbox, load, cli, monkeypatch
):
    # Real time: SQS stamps the staged message with its own clock, and the message belongs to the night
    # of the last fire before it was sent, which is the night `status` takes without --date.
    monkeypatch.delenv("FLOATCTL_NOW", raising=False)
    dead_letter = {
        "error_code": "AccessDeniedException",
        "error_message": "not authorized to perform: iam:PassRole",
    }
    load(scenarios.mixed(3) | {"dlq": [dead_letter]})
    for _ in range(2):  # the second read finds it too: nothing was deleted or hidden
        status = _json(cli("-o", "json", "status"))
        assert status["diagnosis"]["state"] == "fire-failed"
        assert [f["error_code"] for f in status["fire_failures"]] == ["AccessDeniedException"]
        assert "iam:PassRole" in status["advice"]
    recover = _json(cli("-o", "json", "recover", "day-before-ach", "--dry-run"))
    assert recover["state"] == "fire-failed" and recover["run_date"] == status["run_date"]
    assert recover["fire_failure"]["error_message"] == dead_letter["error_message"]
    table = cli("status")
    assert "AccessDeniedException: not authorized to perform: iam:PassRole" in table.stdout
    load(scenarios.mixed(3))  # a new scenario empties the DLQ
    assert _json(cli("-o", "json", "status"))["fire_failures"] == []


def test_status_reads_the_one_job_lock_key_and_ignores_others(sandbox, load, cli, at_1931):
    lock = {"namespace": "job", "owner": "r-live", "owner_task": "ip-10-42-1-5:7", "lease_expires_in_s": 60}
    load(scenarios.mixed(3) | {"locks": [lock | {"lock_key": "day-before-ach"}]})
    status = _json(cli("-o", "json", "status"))
    assert [lk["lock_key"] for lk in status["job_locks"]] == ["day-before-ach"]
    assert status["diagnosis"]["state"] == "running"
    refused = cli("launch", "day-before-ach", "--yes")
    assert refused.exit_code == 3 and "job lock free" in refused.stderr
    # Not the job lock: another job's key, and the per-layout key nothing has built since
    # docs/decisions/job-lock-layouts.md (one job lock per environment).
    others = [lock | {"lock_key": "some-other-job"}, lock | {"lock_key": "day-before-ach#shard-1-of-3"}]
    load(scenarios.mixed(3) | {"locks": others})
    status = _json(cli("-o", "json", "status"))
    assert status["job_locks"] == [] and status["diagnosis"]["state"] == "never-fired"

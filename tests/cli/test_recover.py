"""`floatctl recover`: every diagnosis branch from a scenario file, and the action performed."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).parent / "scenarios"

pytestmark = pytest.mark.usefixtures("sandbox", "at_1931")


def _load(cli, name, tmp_path):
    text = (SCENARIOS / f"recover-{name}.json").read_text().replace("HOSTNAME", socket.gethostname())
    path = tmp_path / f"{name}.json"
    path.write_text(text)
    assert cli("sandbox", "seed", "--from", str(path)).exit_code == 0


@pytest.mark.parametrize(
    ("name", "state", "action"),
    [
        ("never-fired", "never-fired", "launch"),
        ("failed", "failed", "launch"),
        ("interrupted", "interrupted", "launch"),
        ("succeeded", "succeeded", "nothing"),
        ("running", "running", "wait"),
        ("died", "died", "release-orphaned-lock-and-launch"),
    ],
)
def test_each_diagnosis(cli, tmp_path, name, state, action):
    _load(cli, name, tmp_path)
    result = cli("-o", "json", "recover", "day-before-ach", "--dry-run")
    assert result.exit_code == 0, result.stderr
    diagnosis = json.loads(result.stdout)
    assert (diagnosis["state"], diagnosis["action"]) == (state, action)


def _recover(cli, *args):
    result = cli("-o", "json", "recover", "day-before-ach", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_before_the_fire_on_a_weekend_and_past_cutoff(cli, tmp_path, monkeypatch):
    _load(cli, "never-fired", tmp_path)
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T18:00:00-05:00")
    # Without --date, the night in question is the last fire's: Thursday's, whose cutoff has passed.
    thursday = _recover(cli)
    assert (thursday["run_date"], thursday["state"], thursday["action"]) == (
        "2026-11-19",
        "never-fired",
        "tell-finance",
    )
    assert "--date 2026-11-19 --after-cutoff" in thursday["command"]
    friday = _recover(cli, "--date", "2026-11-20")
    assert (friday["state"], friday["action"], friday["command"]) == ("not-yet-due", "nothing", None)
    early = _recover(cli, "--date", "2026-11-20", "--early", "--dry-run")
    assert early["action"] == "launch" and "--early" in early["command"]
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-21T12:00:00-05:00")
    assert _recover(cli, "--date", "2026-11-21")["state"] == "no-fire"
    assert _recover(cli)["run_date"] == "2026-11-20"  # Saturday noon: Friday's night is in question
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T21:10:00-05:00")
    assert _recover(cli)["action"] == "tell-finance"
    assert _recover(cli, "--after-cutoff", "--dry-run")["action"] == "launch"


def test_a_dead_run_is_recovered_end_to_end_and_audited(cli, tmp_path):
    _load(cli, "died", tmp_path)
    result = cli(
        "recover", "day-before-ach", "--yes", "--wait", "--poll", "0.3", "--reason", "task OOM at 19:04"
    )
    assert result.exit_code == 0, result.stderr
    assert "released job/day-before-ach" in result.stderr and "task STOPPED" in result.stderr
    after = json.loads(cli("-o", "json", "recover", "day-before-ach").stdout)
    assert after["state"] == "succeeded" and after["action"] == "nothing"
    audit = json.loads(cli("-o", "json", "history", "--audit").stdout)["audit"]
    actions = [a["action"] for a in audit]
    assert {"recover", "launch", "lock.release"} <= set(actions)
    recover = next(a for a in audit if a["action"] == "recover")
    assert recover["reason"] == "task OOM at 19:04" and recover["before"]["state"] == "died"
    assert recover["after"]["task_arn"].startswith("arn:aws:ecs") and recover["actor"].startswith("arn:aws")


def test_running_means_no_action_and_yes_exits_3(cli, tmp_path):
    _load(cli, "running", tmp_path)
    result = cli("recover", "day-before-ach", "--yes")
    assert result.exit_code == 3 and "next action: wait" in result.stdout and "launched" not in result.stderr
    assert "nothing done" in result.stderr

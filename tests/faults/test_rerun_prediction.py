"""`recover --dry-run` says in money what the relaunch will do: across crash/rerun trials, the floats it
predicts are exactly the ones the rerun then submits (issue 19, item 2)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from jobs.domain.model import SUBMITTED
from jobs.domain.records import FloatEvent, RunRecord
from tests import scenarios
from tests.processes import FLOATCTL
from tests.scenarios import RUN_DATE

DATE = RUN_DATE.isoformat()


def _run(crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "FLOATCTL_CRASH_AT"}
    if crash_at:
        env["FLOATCTL_CRASH_AT"] = crash_at
    command = [*FLOATCTL, "-o", "json", "run", "day-before-ach", "--date", DATE]
    return subprocess.run([*command, "--payment-submit-rate", "50"], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("crash_at", ["after_lock:2", "after_pending:3", "after_submit:4"])
def test_the_predicted_rerun_is_the_rerun(sandbox, load, cli, app_context, at_1931, crash_at):
    load(scenarios.mixed(12, seed=81))
    assert _run(crash_at).returncode == -9

    result = cli("-o", "json", "recover", "day-before-ach", "--date", DATE, "--dry-run")
    document = json.loads(result.stdout)
    assert document["action"] in ("launch", "release-orphaned-lock-and-launch"), document
    predicted = {f["float_id"]: f["kind"] for f in document["rerun"]["floats"]}
    assert predicted and document["rerun"]["total"]["count"] == len(predicted)
    text = cli("recover", "day-before-ach", "--date", DATE, "--dry-run").stdout
    assert "the relaunch would submit" in text and "to the 21:00 ET cutoff" in text

    rerun = _run()
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    run_id = json.loads(rerun.stdout)["run_id"]
    items = app_context.runtime().history().by_run_id(run_id)
    assert [RunRecord.from_item(i).status for i in items if i.get("kind") == "run"] == ["SUCCEEDED"]
    submitted = {
        e.float_id
        for e in (FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event")
        if e.outcome == SUBMITTED
    }
    assert set(predicted) == submitted
    if crash_at.startswith("after_pending") or crash_at.startswith("after_submit"):
        assert "resend ACH_PENDING" in set(predicted.values())

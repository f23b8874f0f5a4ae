"""`floatctl reconcile` against the sandbox: SIGKILLs between the steps of a send are all found, a
clean night (and the rerun that finishes a broken one) reports nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests import scenarios
from tests.scenarios import RUN_DATE

DATE = RUN_DATE.isoformat()


def _run(crash_at: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "FLOATCTL_CRASH_AT"}
    if crash_at:
        env["FLOATCTL_CRASH_AT"] = crash_at  # SIGKILL at that step (jobs.batch.crashpoints)
    command = [sys.executable, "-m", "floatctl", "-o", "json", "run", "day-before-ach", "--date", DATE]
    return subprocess.run(
        [*command, "--payment-submit-rate", "50"], env=env, capture_output=True, timeout=180
    ).returncode


def _reconcile(cli):
    result = cli("reconcile", "--date", DATE, "-o", "json")
    return result.exit_code, json.loads(result.stdout)


def test_a_clean_night_reports_nothing(sandbox, load, cli):
    load(scenarios.mixed(8, seed=61))
    assert _run() == 0
    code, document = _reconcile(cli)
    assert (code, document["findings"]) == (0, [])
    assert document["keys_checked"] == document["payments_found"] > 0


def test_sigkills_between_the_steps_of_a_send_are_found_and_a_rerun_settles_them(sandbox, load, cli):
    load(scenarios.mixed(8, seed=62))
    assert _run("after_pending:1") == -9  # ACH_PENDING written, Payments never called
    code, document = _reconcile(cli)
    assert code == 1
    kinds = {f["kind"] for f in document["findings"]}  # submitters run in parallel: one or a few
    assert kinds == {"pending-without-payment"}, kinds

    assert _run("after_submit:1") == -9  # Payments took an order, its answer never recorded
    code, document = _reconcile(cli)
    kinds = sorted(f["kind"] for f in document["findings"])
    assert code == 1 and "payment-not-recorded" in kinds, kinds

    table = cli("reconcile", "--date", DATE)
    assert table.exit_code == 1 and "payment-not-recorded" in table.stdout and "finding" in table.stdout

    assert _run() == 0  # the rerun replays the same keys: Payments answers the one payment each
    code, document = _reconcile(cli)
    assert (code, document["findings"]) == (0, [])

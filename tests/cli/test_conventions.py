"""CLI habits of aws-cli, kubectl and gh: global options anywhere, --version, completion, help, exit
codes, input checks, words; a closed pipe (tables on a real terminal: test_tables.py)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests import scenarios
from tests.cli.test_tables import in_pty
from tests.processes import FLOATCTL, run_floatctl

LONG_KEY_LOCK = {
    "namespace": "float",
    "lock_key": "float#123456789012",
    "owner": "run-20261120T190400-7f3a9c",
    "owner_task": "arn:aws:ecs:us-east-1:123456789012:task/sandbox-floats/0123456789abcdef0",
    "lease_expires_in_s": -8,
    "rvn": "rvn-long",
}
JOB_LOCK = {
    "namespace": "job",
    "lock_key": "day-before-ach",
    "owner": "run-old",
    "owner_task": "other-host:2",
    "lease_expires_in_s": 600,
    "rvn": "rvn-job",
}


# ---- global options, --version, completion ----


def test_global_options_work_after_the_command(sandbox, load, cli):
    load(scenarios.mixed(2) | {"locks": [JOB_LOCK]})
    assert json.loads(cli("locks", "list", "--output", "json").stdout)["locks"][0]["rvn"] == "rvn-job"
    assert json.loads(cli("sandbox", "status", "-o", "JSON").stdout)["running"] is True
    assert "runs" in json.loads(cli("history", "--date", "2026-11-20", "-o", "json").stdout)
    assert json.loads(cli("status", "-o", "json").stdout)["env"] == "sandbox"
    shown = cli("locks", "show", "job/day-before-ach", "-o", "json", "-v")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["owner"] == "run-old"
    elsewhere = cli("sandbox", "status", "--env", "PROD")  # --env after the command, any case
    assert elsewhere.exit_code == 2 and "not env 'prod'" in elsewhere.stderr
    assert "*** PRODUCTION (env=prod) ***" in elsewhere.stderr
    wrong = cli("status", "-o", "yaml")
    assert wrong.exit_code == 2 and "--output" in wrong.stderr and "'yaml' is not one of" in wrong.stderr


def test_version_reads_the_checkout_and_completion_is_printed():
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout
    result = run_floatctl("--version")
    assert result.returncode == 0 and head.strip()[:12] in result.stdout
    assert json.loads(run_floatctl("version", "-o", "json").stdout)["commit"] == head.strip()
    script = run_floatctl("completion", "bash")
    assert script.returncode == 0 and "_FLOATCTL_COMPLETE" in script.stdout
    words = run_floatctl(
        env={"_FLOATCTL_COMPLETE": "complete_bash", "COMP_WORDS": "floatctl lo", "COMP_CWORD": "1"}
    )
    assert words.returncode == 0 and "locks" in words.stdout.split()
    assert run_floatctl("completion", "tcsh").returncode == 2


# ---- help ----


def _all_commands():
    from floatctl.cli import whole_tree

    return [(list(path), command) for path, command in whole_tree()]


def test_every_option_has_help_and_arguments_are_in_capitals():
    for path, command in _all_commands():
        for param in command.params:
            if param.name == "help":
                continue
            assert (param.help or "").strip(), f"floatctl {' '.join(path)} {param.opts} has no help"
            if param.param_type_name == "argument":
                assert param.metavar == param.metavar.upper(), path


def test_help_cuts_no_name_at_80_columns_and_groups_by_persona():
    run_help = run_floatctl("run", "day-before-ach", "--help", env={"COLUMNS": "80"}).stdout
    for name in ("FLOATCTL_PAYMENT_SUBMIT_RATE", "FLOATCTL_MAX_ACH_ATTEMPTS", "today/tomorrow/yesterday"):
        assert name in run_help
    assert "…" not in run_help and "<bool>" not in run_help and "--dry-run  " in run_help
    assert re.search(
        r"^Usage: floatctl locks show \[OPTIONS\] KEY$", run_floatctl("locks", "show", "-h").stdout, re.M
    )
    top = run_floatctl("--help", env={"COLUMNS": "80"}).stdout
    headings = [line for line in top.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings == ["Options:", "On call:", "Finance:", "The scheduled container:", "Set-up:"]


# ---- inputs and exit codes ----


@pytest.mark.parametrize("rate", ["inf", "nan", "1e9", "0"])
def test_absurd_rates_are_usage_errors(cli, rate):
    result = cli("preview", "--payment-submit-rate", rate)
    assert result.exit_code == 2 and "--payment-submit-rate" in result.stderr
    assert ("finite" in result.stderr) == (rate in ("inf", "nan")) and "Traceback" not in result.stderr


def test_errors_name_what_the_user_typed(cli, monkeypatch):
    assert "--from:" in cli("calendar", "next", "--from", "2026-13-01").stderr
    assert "DATE:" in cli("calendar", "explain", "someday").stderr
    assert cli("history", "--float", "0").exit_code == 2
    assert cli("locks", "show", "float#0").exit_code == 2
    monkeypatch.setenv("FLOATCTL_RUN_DATE", "bad")
    from_env = cli("launch", "day-before-ach", "--dry-run")
    assert from_env.exit_code == 2 and "FLOATCTL_RUN_DATE='bad'" in from_env.stderr


def test_needs_confirmation_is_not_a_guard_refusal(sandbox, load, cli):
    load(scenarios.mixed(1) | {"locks": [JOB_LOCK]})
    unconfirmed = cli(
        "locks", "release", "job/day-before-ach", "--rvn", "rvn-job", "--reason", "t", "--force"
    )
    assert unconfirmed.exit_code == 4 and "needs confirmation" in unconfirmed.stderr
    wrong = cli("locks", "release", "day-before-ach", "--rvn", "rvn-guess", "--reason", "t", "--force", "-y")
    assert wrong.exit_code == 3 and "does not match" in wrong.stderr and "rvn-job" not in wrong.stderr
    released = cli(
        "locks", "release", "job/day-before-ach", "--rvn", "rvn-job", "--reason", "t", "--force", "-y"
    )
    assert released.exit_code == 0, released.stderr
    audit = cli("history", "--audit", "-o", "plain").stdout  # New York time, with the zone
    assert "lock.release" in audit and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T", audit)


def test_recover_yes_that_cannot_act_exits_3(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T21:10:00-05:00")  # the cutoff passed, nothing ran
    load(scenarios.mixed(1))
    result = cli("recover", "day-before-ach", "--yes", "--date", "2026-11-20")
    assert result.exit_code == 3 and "nothing done" in result.stderr
    assert cli("recover", "day-before-ach", "--date", "2026-11-20").exit_code == 0  # only a diagnosis


def test_a_closed_pipe_exits_0_quietly():
    proc = subprocess.Popen(
        [*FLOATCTL, "calendar", "next", "-n", "366", "-o", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().strip() == b"["
    proc.stdout.close()  # as `| head -1` does: more than a pipe buffer is still to come
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_prod_commands_show_the_banner(cli):
    result = cli("calendar", "next", "--env", "prod", "-n", "1")
    assert result.exit_code == 0 and result.stderr.startswith("*** PRODUCTION (env=prod) ***")


def test_missing_aws_credentials_get_a_hint(tmp_path):
    result = run_floatctl(
        "--env",
        "test",
        "locks",
        "list",
        env={
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_EC2_METADATA_DISABLED": "true",
        },
    )
    assert result.returncode == 1 and "AWS_PROFILE" in result.stderr and "aws sso login" in result.stderr
    assert "Traceback" not in result.stderr


# ---- words, tables, markdown, saved previews ----


def test_words_plurals_durations_and_new_york_times(sandbox, load, cli):
    load(scenarios.mixed(1) | {"locks": [LONG_KEY_LOCK]})
    listed = cli("locks", "list", "-o", "plain").stdout
    assert listed.startswith("1 lock\n") and re.search(r"expired \d+ s ago", listed)
    assert "'" not in listed and "None" not in listed
    shown = cli("locks", "show", "123456789012").stdout
    assert re.search(r"lease left +expired \d+ s ago", shown) and "lease_left_s" not in shown
    assert re.search(r"^running +yes$", cli("sandbox", "status").stdout, re.M)


def test_markdown_has_the_run_date_and_window_as_a_heading(sandbox, load, cli):
    load(scenarios.mixed(2))
    text = cli("preview", "--date", "2026-11-20", "-o", "markdown").stdout
    assert text.startswith("## preview sandbox run date 2026-11-20, due 2026-11-21..2026-11-23\n")


def test_saved_previews_of_the_sandbox_live_in_its_bucket(sandbox, load, cli, monkeypatch, tmp_path):
    # The sandbox's own S3 (moto) holds them, as test's and prod's bucket does: never the user's data dir.
    load(scenarios.mixed(2))
    saved = cli("preview", "--date", "2026-11-20", "--save", "-o", "json")
    assert saved.exit_code == 0 and "saved s3://sandbox-floats-signed-off-previews/" in saved.stderr
    # FLOATCTL_PREVIEW_DIR asks for files instead, there and nowhere else.
    monkeypatch.setenv("FLOATCTL_PREVIEW_DIR", str(tmp_path))
    saved = cli("preview", "--date", "2026-11-20", "--save", "-o", "json")
    assert saved.exit_code == 0 and f"saved {tmp_path}/sandbox-2026-11-20-" in saved.stderr


# ---- progress on a terminal, and the container's log levels ----


def test_preview_shows_progress_on_a_terminal(sandbox, load):
    load(scenarios.mixed(4))
    code, screen = in_pty(120, "preview", "--date", "2026-11-20")
    assert code == 0 and "evaluating:" in screen


def test_the_live_line_starts_with_submitted_failed_and_elapsed():
    from types import SimpleNamespace

    from floatctl.progress import RunProgress

    progress = RunProgress(enabled=False, options=SimpleNamespace(run_date=scenarios.RUN_DATE))
    for outcome in ("SKIP_VALID_CARD", "SUBMITTED", "SUBMITTED", "FAILED"):
        progress.advance(SimpleNamespace(outcome=outcome))
    assert progress._first() == "SUBMITTED 2  FAILED 1"
    assert progress._describe().startswith("4 floats (SKIP_VALID_CARD=1)  PAST CUTOFF by ")


def test_the_live_line_counts_down_on_the_runs_clock(monkeypatch):
    from types import SimpleNamespace

    from floatctl.progress import RunProgress

    # The run's clock (FLOATCTL_NOW in the sandbox) decides the time to cutoff, as it decides the run date.
    monkeypatch.setenv("FLOATCTL_NOW", f"{scenarios.RUN_DATE}T19:00:30-05:00")
    progress = RunProgress(enabled=False, options=SimpleNamespace(run_date=scenarios.RUN_DATE))
    assert progress._describe() == "0 floats  1 h 59 min to cutoff"


def test_a_failed_run_logs_its_end_at_error_and_names_the_version(sandbox, load, cli):
    load(scenarios.mixed(4, seed=22) | {"cards": []})
    assert cli("sandbox", "faults", "set", "payments.error_rate=1").exit_code == 0
    result = cli("run", "day-before-ach", "--date", "2026-11-20")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    finished = next(entry for entry in lines if entry["message"].startswith("run finished"))
    assert finished["level"] == "ERROR" and finished["dd.version"] not in ("", None)


def test_a_bad_environment_is_one_line_wherever_it_is_given():
    for args, env in (
        (["--env", "nope", "version"], {}),
        (["-o", "json", "version"], {"FLOATCTL_ENV": "nope"}),
    ):
        result = run_floatctl(*args, env=env)
        assert result.returncode == 2 and "unknown environment 'nope'" in result.stderr
        assert "Traceback" not in result.stderr

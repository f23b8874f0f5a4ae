"""Shared fixtures: one real sandbox (pgserver, moto server, simulator) for the whole session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The caller's shell must not change what the tests see: colour and terminal-size switches (rich and
# Textual read them; NO_COLOR=1 changed every TUI snapshot), and any floatctl setting or build fact.
_CALLER_VARS = (
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLORTERM",
    "COLUMNS",
    "LINES",
    "TEXTUAL_COLOR_SYSTEM",
    "GIT_VERSION",
    "GIT_COMMIT",
    "GIT_COMMIT_DATE",
    "GIT_COMMIT_TIMESTAMP",
)
# AWS and Datadog too: exported credentials (AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN, a web identity token
# file, a container credentials URI), a region, a profile or DD_SITE/DD_ENV would reach real AWS or
# change what the tests print. The caller's ~/.aws files and the instance metadata service as well.
_CALLER_PREFIXES = ("FLOATCTL_", "_FLOATCTL_", "AWS_", "DD_", "ECS_CONTAINER_METADATA_URI")
for _var in [*_CALLER_VARS, *(v for v in os.environ if v.startswith(_CALLER_PREFIXES))]:
    os.environ.pop(_var, None)
os.environ["TERM"] = "xterm-256color"

# A short path under /tmp: PostgreSQL's unix socket path must stay under ~100 characters, and the
# `pgserver` system user that runs PostgreSQL (we may be root) must be able to reach it.
# Every process that imports this file (each xdist worker and the controller) makes its own directory and
# removes it when its session ends, whether or not it used the sandbox (atexit if the session never ran).
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="fsb-", dir="/tmp"))
_SESSION_DIR.chmod(0o755)


_SESSION_PID = os.getpid()


def _remove_session_dir() -> None:
    if os.getpid() == _SESSION_PID:  # not a forked child's exit: the directory is its parent's
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)


atexit.register(_remove_session_dir)

os.environ["FLOATCTL_SANDBOX_DIR"] = str(_SESSION_DIR / "sandbox")
os.environ["FLOATCTL_ENV"] = "sandbox"
os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(_SESSION_DIR / "no-aws-files")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for _var in ("PAYMENTS_API_URL", "USERS_API_URL"):
    os.environ.pop(_var, None)


@pytest.fixture(scope="session")
def sandbox():
    """The running sandbox for this test session; stopped (no process left) at the end."""
    from floatctl_sandbox.control import ensure_running, stop

    directory = Path(os.environ["FLOATCTL_SANDBOX_DIR"])
    running, _ = ensure_running(directory)
    yield running
    stop(directory)


def pytest_sessionfinish(session, exitstatus):
    """This process's session directory goes with its session (the sandbox fixture stopped first)."""
    _remove_session_dir()


@pytest.fixture(scope="session")
def app_context(sandbox):
    """An AppContext bound to the session sandbox, as the CLI builds it."""
    from floatctl.context import AppContext
    from floatctl.output import Output
    from jobs.settings import Settings

    ctx = AppContext(Settings.load(), Output(format="json"))
    ctx._sandbox = sandbox
    return ctx


@pytest.fixture
def cli():
    """Run floatctl in-process with CliRunner; returns the result (exit_code, stdout, stderr)."""
    from typer.testing import CliRunner

    from floatctl.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def load(sandbox, app_context):
    """Replace the sandbox's data with a scenario document (docs/sandbox.md, Scenario files); faults
    are cleared too."""
    from floatctl_sandbox import actions
    from floatctl_sandbox.scenario import parse_scenario

    def apply(document: dict) -> None:
        # A task an earlier test launched (without --wait) would run against this test's data.
        actions.stop_tasks(app_context)
        actions.faults_request(sandbox, "DELETE")
        actions.load(app_context, sandbox, parse_scenario(document))

    yield apply
    actions.faults_request(sandbox, "DELETE")


@pytest.fixture
def at_1931(monkeypatch):
    """Freeze the project's clock 31 minutes after Friday's missed fire, before the 21:00 ET cutoff."""
    from tests.scenarios import AFTER_FIRE

    monkeypatch.setenv("FLOATCTL_NOW", AFTER_FIRE)


@pytest.fixture(scope="module")
def harness(sandbox, app_context):
    """The fault harness (tests/faults/harness.py): real floatctl processes against the sandbox."""
    from tests.faults.harness import Harness

    return Harness(sandbox, app_context)


@pytest.fixture
def floatctl_proc(sandbox):
    """Start floatctl as a real process (signals, exit codes, concurrency)."""
    import subprocess

    from tests.processes import FLOATCTL

    def start(*args: str, **kwargs):
        return subprocess.Popen(
            [*FLOATCTL, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )

    return start

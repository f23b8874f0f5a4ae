"""The suite passes whatever the caller's shell exports: colour and terminal switches, AWS credentials,
region and profile, Datadog settings and floatctl settings (tests/conftest.py removes them all).

A small subset runs in a fresh pytest process under a hostile environment: a CLI test that must not
reach real AWS, a help test and one TUI snapshot test (its own sandbox: about half a minute).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBSET = [
    "tests/cli/test_conventions.py::test_missing_aws_credentials_get_a_hint",
    "tests/cli/test_conventions.py::test_help_cuts_no_name_at_80_columns_and_groups_by_persona",
    "tests/tui/test_snapshots.py::test_status_screen",
]
HOSTILE = {
    "NO_COLOR": "1",
    "FORCE_COLOR": "1",
    "COLUMNS": "50",
    "LINES": "10",
    "TERM": "dumb",
    # Credentials that look real: with them exported, an unisolated test would sign requests to AWS.
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "caller-session-token",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token",
    "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/caller",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/creds",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/caller",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "AWS_REGION": "ap-south-1",
    "AWS_PROFILE": "caller-profile",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "DD_SITE": "datadoghq.eu",
    "DD_ENV": "caller",
    "DD_SERVICE": "caller",
    "DD_VERSION": "caller-1",
    "FLOATCTL_ENV": "prod",
    "FLOATCTL_PAYMENT_SUBMIT_RATE": "0.5",
}


def test_a_hostile_caller_environment_changes_nothing():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | HOSTILE
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", *SUBSET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{len(SUBSET)} passed" in result.stdout

"""`floatctl tui`: the read-only rule, refusals without a terminal, and no textual on the CLI's import path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from floatctl.commands.tui import writes_allowed
from jobs.errors import UsageError


@pytest.mark.parametrize(
    ("env", "read_only", "allow_writes", "writable"),
    [
        ("prod", False, False, False),  # read-only is the default in prod
        ("prod", False, True, True),
        ("prod", True, False, False),
        ("sandbox", False, False, True),
        ("test", False, False, True),
        ("sandbox", True, False, False),
    ],
)
def test_writes_allowed(env, read_only, allow_writes, writable):
    assert writes_allowed(env, read_only, allow_writes) is writable


def test_read_only_and_allow_writes_contradict():
    with pytest.raises(UsageError):
        writes_allowed("prod", True, True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tui", "--read-only", "--allow-writes"), "contradict"),
        (("tui", "--screen", "dashboard"), "--screen"),
        (("tui",), "needs a terminal"),
    ],
)
def test_refusals_are_one_line_with_exit_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and message in result.stderr


def test_the_command_module_loads_no_textual():
    code = "import sys, json, floatctl.cli, floatctl.commands.tui; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert not {name for name in json.loads(out) if name.split(".")[0] == "textual"}

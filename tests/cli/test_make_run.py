"""`make run` ends with its three closing lines whatever the batch's exit code, and keeps that code;
the uv bootstrap shows pip's progress. The recipe runs for real with a stand-in `floatctl` (BIN
points at it; `-o` keeps make from touching the virtual environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = """#!/bin/sh
case "$*" in
  "sandbox reset") echo "sandbox reset: 4 floats" ;;
  "run day-before-ach") echo "run finished: $RUN_STATUS"; exit $RUN_CODE ;;
  "-o json sandbox status") echo '{"running": true, "dir": "/tmp/the-sandbox-dir"}' ;;
  *) echo "unexpected: $*" >&2; exit 99 ;;
esac
"""


def _make_run(tmp_path: Path, code: int) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    floatctl = bin_dir / "floatctl"
    floatctl.write_text(STAND_IN)
    floatctl.chmod(0o755)
    if not (bin_dir / "python").exists():
        (bin_dir / "python").symlink_to(sys.executable)
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "run", f"BIN={bin_dir}"],
        cwd=ROOT,
        env={**os.environ, "RUN_CODE": str(code), "RUN_STATUS": "FAILED" if code else "SUCCEEDED"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("code", [0, 1])
def test_make_run_prints_the_closing_lines_and_keeps_the_exit_code(tmp_path, code):
    result = _make_run(tmp_path, code)
    assert result.returncode == (0 if code == 0 else 2), result.stderr  # make says 2 when a recipe fails
    lines = result.stdout.splitlines()
    assert lines[-3:] == [
        "The sandbox is still running in /tmp/the-sandbox-dir.",
        f"Try: {tmp_path}/bin/floatctl status, {tmp_path}/bin/floatctl preview, {tmp_path}/bin/floatctl tui",
        f"Stop it with: {tmp_path}/bin/floatctl sandbox down",
    ], result.stdout
    assert f"run finished: {'FAILED' if code else 'SUCCEEDED'}" in result.stdout
    assert ("Error 1" in result.stderr) == bool(code)  # make names the run's own code


def test_the_uv_bootstrap_shows_progress():
    dry = subprocess.run(
        ["make", "-n", "-B", ".venv/.installed"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    pip = [line for line in dry.stdout.splitlines() if "pip install" in line and "uv==" in line]
    assert pip and "--quiet" not in pip[0] and " -q " not in pip[0] and "--progress-bar on" in pip[0]

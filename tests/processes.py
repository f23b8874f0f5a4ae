"""floatctl as a real process, for the tests that need its exit code, streams or terminal."""

from __future__ import annotations

import os
import subprocess
import sys

FLOATCTL = [sys.executable, "-m", "floatctl"]


def run_floatctl(
    *args: str, env: dict | None = None, timeout: float = 120, **kwargs
) -> subprocess.CompletedProcess:
    """Run floatctl to its end, with the caller's environment plus `env`; text stdout and stderr."""
    return subprocess.run(
        [*FLOATCTL, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        **kwargs,
    )

"""Start, find and stop the sandbox's services process."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floatctl_sandbox import state as sandbox_state
from jobs.errors import DependencyError
from jobs.settings import Settings

START_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class Sandbox:
    """A running sandbox: its directory and endpoints."""

    directory: Path
    pid: int
    socket_dir: str
    aws_endpoint: str
    services_url: str

    def dsn(self, dbname: str) -> str:
        return sandbox_state.dsn(self.socket_dir, dbname)

    def settings(self, base: Settings) -> Settings:
        return sandbox_state.sandbox_settings(self.aws_endpoint, self.services_url, base)

    def as_json(self) -> dict[str, Any]:
        return {
            "running": True,
            "dir": str(self.directory),
            "pid": self.pid,
            "postgres_uri": self.dsn("main"),
            "databases": {name: self.dsn(name) for name in sandbox_state.DATABASES},
            "aws_endpoint": self.aws_endpoint,
            "services_url": self.services_url,
        }


def find(directory: Path) -> Sandbox | None:
    """The running sandbox in `directory`, or None."""
    data = sandbox_state.read_state(directory)
    if not data or not sandbox_state.pid_alive(data.get("pid")):
        return None
    return Sandbox(directory, data["pid"], data["socket_dir"], data["aws_endpoint"], data["services_url"])


@contextmanager
def _start_lock(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".start.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_running(directory: Path) -> tuple[Sandbox, bool]:
    """Return the running sandbox, starting it first if needed; the flag says whether it started now."""
    with _start_lock(directory):
        running = find(directory)
        if running:
            return running, False
        # pgserver runs PostgreSQL as its own system user when we are root: it must reach the dir.
        directory.chmod(0o755)
        sandbox_state.clear_state(directory)
        with open(directory / "services.log", "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "floatctl_sandbox.services", str(directory)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            sandbox = find(directory)
            if sandbox and sandbox.pid == proc.pid:
                return sandbox, True
            if proc.poll() is not None:
                raise DependencyError(
                    f"the sandbox failed to start (exit {proc.returncode}); see {directory / 'services.log'}"
                )
            time.sleep(0.1)
        proc.kill()
        raise DependencyError(
            f"the sandbox did not start within {START_TIMEOUT_S:.0f}s; see {directory}/services.log"
        )


def stop(directory: Path, timeout: float = 40.0) -> bool:
    """Stop the sandbox and everything it started; False when it was not running."""
    data = sandbox_state.read_state(directory)
    pid = data.get("pid") if data else None
    if not sandbox_state.pid_alive(pid):
        sandbox_state.clear_state(directory)
        _stop_postgres(directory)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while sandbox_state.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if sandbox_state.pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)
    _stop_postgres(directory)
    sandbox_state.clear_state(directory)
    return True


def _stop_postgres(directory: Path) -> None:
    """Stop a PostgreSQL left behind by a services process that died without cleaning up."""
    pid_file = directory / "pg" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    if sandbox_state.pid_alive(pid):
        os.kill(pid, signal.SIGTERM)  # "smart" shutdown would wait for clients; SIGINT is "fast"
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        while sandbox_state.pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)

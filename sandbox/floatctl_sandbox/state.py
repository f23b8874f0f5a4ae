"""Where the sandbox lives and how to reach it: the directory, the state file, the connection strings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jobs.settings import Settings

DATABASES = ("main", "replica", "services")
STATE_FILE = "services.json"
SANDBOX_CREDENTIALS = ("testing", "testing")


def sandbox_dir(settings: Settings) -> Path:
    """FLOATCTL_SANDBOX_DIR, or the user's data dir."""
    if settings.sandbox_dir:
        return Path(settings.sandbox_dir).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir("floatctl")) / "sandbox"


def dsn(socket_dir: Path | str, dbname: str) -> str:
    """A libpq URI for a sandbox database over its unix socket."""
    return f"postgresql://postgres@/{dbname}?host={quote(str(socket_dir), safe='/')}"


def sandbox_settings(aws_endpoint: str, services_url: str, base: Settings | None = None) -> Settings:
    """Settings pointed at the sandbox's endpoints, with its fixed credentials."""
    base = base or Settings.load(environ={}, env="sandbox")
    return base.with_overrides(
        aws_endpoint_url=aws_endpoint,
        aws_access_key_id=SANDBOX_CREDENTIALS[0],
        aws_secret_access_key=SANDBOX_CREDENTIALS[1],
        payments_api_url=base.payments_api_url or services_url or None,  # an explicit URL wins
        users_api_url=base.users_api_url or services_url or None,
    )


def write_state(directory: Path, state: dict[str, Any]) -> None:
    tmp = directory / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(directory / STATE_FILE)


def read_state(directory: Path) -> dict[str, Any] | None:
    try:
        return json.loads((directory / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def clear_state(directory: Path) -> None:
    (directory / STATE_FILE).unlink(missing_ok=True)


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True

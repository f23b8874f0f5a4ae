"""What the screens and widgets need of the app, as a Protocol: they read it through this, so they never
import floatctl/tui/app.py (which imports them). FloatctlApp provides it (tests/tui/test_ports.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class OperatorApp(Protocol):
    """The operator app as a screen sees it."""

    writable: bool  # False in read-only mode: every action that changes state is hidden
    export_dir: Path  # where the preview's CSV export goes

    @property
    def env(self) -> str:
        """The environment the app acts on (sandbox, test, prod)."""
        ...

    def runtime(self) -> Any:
        """The shared jobs adapters (call from a worker thread: the first call may reach AWS)."""
        ...

"""`floatctl tui`: the operator's Textual app (status, preview, locks, history, launch)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from jobs.errors import UsageError

SCREENS = ("status", "preview", "locks", "history", "launch")


def writes_allowed(env: str, read_only: bool, allow_writes: bool) -> bool:
    """Read-only is the default in prod; --allow-writes lifts it, --read-only imposes it anywhere."""
    if read_only and allow_writes:
        raise UsageError("--read-only and --allow-writes contradict each other: choose one")
    if read_only:
        return False
    return allow_writes or env != "prod"


def tui(
    ctx: typer.Context,
    read_only: Annotated[
        bool,
        typer.Option("--read-only", help="hide and refuse every action that changes state (default in prod)"),
    ] = False,
    allow_writes: Annotated[
        bool, typer.Option("--allow-writes", help="allow lock releases and launches in prod")
    ] = False,
    screen: Annotated[
        str, typer.Option("--screen", help=f"the screen to open: {', '.join(SCREENS)}")
    ] = "status",
) -> None:
    """The status, preview, locks, history and launch views in one terminal app."""
    screen = screen.lower()
    if screen not in SCREENS:
        raise UsageError(f"--screen: {screen!r} is not one of {', '.join(SCREENS)}")
    app_ctx = ctx.obj
    writable = writes_allowed(app_ctx.env, read_only, allow_writes)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("floatctl tui needs a terminal; for scripts use status, preview, locks or history")
    # Resolve the settings first: in the sandbox this starts it (and says so) before the app takes the terminal.
    _ = app_ctx.settings
    from floatctl.tui.app import FloatctlApp

    FloatctlApp(app_ctx, writable=writable, initial=screen).run()

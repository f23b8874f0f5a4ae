"""Helpers for driving the TUI with Textual's pilot against the sandbox."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Callable
from typing import Any

from textual.widgets import Input

SIZE = (120, 36)


async def settle(pilot: Any, until: Callable[[], bool] = lambda: True, timeout: float = 20.0) -> None:
    """Let the workers finish and their messages land, until `until()` holds."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause(0.05)
        busy = any(w.is_running for w in app.workers if w.group != "launch")
        if not busy and until():
            await pilot.wait_for_scheduled_animations()  # a focus change scrolls with an animation
            await pilot.pause()
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the app did not settle in {timeout}s")


async def type_text(pilot: Any, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


def steady_inputs(pilot: Any) -> None:
    """No blinking cursor in a snapshot: the blink phase depends on timing."""
    for node in pilot.app.screen.query(Input):
        node.cursor_blink = False


def text_of(widget: Any) -> str:
    """The plain text a Static shows (a string, or a rich renderable printed without colour)."""
    content = widget.content
    if isinstance(content, str):
        return content
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(content)
    return console.export_text()


def mask_network_ids(request: dict[str, Any]) -> dict[str, Any]:
    """moto makes new subnet and security group ids per sandbox: mask them for snapshots."""
    import json

    text = json.dumps(request)
    text = re.sub(r"subnet-[0-9a-f]+", "subnet-0123456789abcdef0", text)
    text = re.sub(r"sg-[0-9a-f]+", "sg-0123456789abcdef0", text)
    return json.loads(text)


def run(coro: Any) -> Any:
    """Run a pilot scenario (the suite has no asyncio plugin)."""
    return asyncio.run(coro)

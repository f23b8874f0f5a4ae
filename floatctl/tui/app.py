"""`floatctl tui`: one Textual app over the same jobs functions as the commands.

Modes are the five views; the footer shows each screen's keys, `?` lists them all, `:` (or Ctrl+P)
opens the command palette with every action, and in read-only mode every action that changes state is
hidden, and its key says why it is refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from floatctl.tui.screens.history import HistoryScreen
from floatctl.tui.screens.launch import LaunchScreen
from floatctl.tui.screens.locks import LocksScreen
from floatctl.tui.screens.preview import PreviewScreen
from floatctl.tui.screens.status import StatusScreen

# F-keys work while an input has focus; the digits are shorter aliases when none has.
SCREEN_KEYS = {"status": "f1", "preview": "f2", "locks": "f3", "history": "f4", "launch": "f5"}


class FloatctlApp(App[None]):
    """The operator's app: status (home), preview, locks, history, launch."""

    CSS_PATH = "app.tcss"
    TITLE = "floatctl"
    MODES = {
        "status": StatusScreen,
        "preview": PreviewScreen,
        "locks": LocksScreen,
        "history": HistoryScreen,
        "launch": LaunchScreen,
    }
    DEFAULT_MODE = "status"
    BINDINGS = [
        *(
            Binding(
                f"{key},{index}",
                f"switch_mode('{mode}')",
                mode.capitalize(),
                tooltip=f"Show the {mode} screen",
            )
            for index, (mode, key) in enumerate(SCREEN_KEYS.items(), start=1)
        ),
        Binding("q", "quit", "Quit", tooltip="Quit (when no text box has focus; Ctrl+Q always)"),
        Binding("question_mark", "help", "Help", tooltip="Every key of this screen and of the app"),
        Binding("colon", "command_palette", "Commands", show=False, tooltip="The command palette"),
    ]

    def __init__(
        self,
        context: Any,
        *,
        writable: bool,
        initial: str = "status",
        export_dir: Path | None = None,
    ) -> None:
        self.DEFAULT_MODE = initial  # the first screen; only it loads until another is opened
        super().__init__()
        self.context = context
        self.writable = writable
        self.export_dir = export_dir or Path.cwd()
        self.sub_title = context.env
        self._runtime_lock = threading.Lock()

    @property
    def env(self) -> str:
        return self.context.env

    def runtime(self) -> Any:
        """The shared jobs adapters, built once (from worker threads: building may reach AWS)."""
        with self._runtime_lock:
            return self.context.runtime()

    def action_help(self) -> None:
        """`?`: the keys of the screen in front and of the whole app."""
        from floatctl.tui.screens.help import HelpScreen, screen_keys

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        self.push_screen(
            HelpScreen(getattr(screen, "TITLE_TEXT", "") or "this dialog", list(screen_keys(screen)))
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette: every screen, then the current screen's actions (read-only hides the writes)."""
        yield from super().get_system_commands(screen)
        for mode in self.MODES:
            yield SystemCommand(
                f"Go to {mode.capitalize()}",
                f"Show the {mode} screen (key {SCREEN_KEYS[mode].upper()})",
                lambda mode=mode: self.switch_mode(mode),
            )
        palette_commands = getattr(screen, "palette_commands", None)
        if palette_commands is not None:
            yield from palette_commands()

"""What every operator screen shares: the banner, the message line, the footer, worker failures, and
the k9s habits (Esc leaves a text box and clears a filter; a refused key says why)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, cast

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from floatctl.tui.format import one_line
from floatctl.tui.ports import OperatorApp
from floatctl.tui.widgets.message_line import MessageLine


def refused_twin(key: str, action: str) -> Binding:
    """A hidden binding on the same key as `action`: Textual tries it when `action` is hidden or
    greyed out, so the key says why instead of doing nothing."""
    return Binding(key, f"explain('{action}')", show=False)


class OperatorScreen(Screen[None]):
    """A mode's base screen. Subclasses set TITLE_TEXT, their BINDINGS and `why_not`; I/O runs in
    thread workers. AUTO_FOCUS names the widget Esc returns to (never a text box, so `q` quits)."""

    TITLE_TEXT = ""
    # Quit and Help first, so the footer keeps them in view at 80 columns (it shows the screen's
    # bindings before the app's, and cuts what does not fit at the right).
    BINDINGS = [
        Binding("q", "app.quit", "Quit", tooltip="Quit (when no text box has focus; Ctrl+Q always)"),
        Binding("question_mark", "app.help", "Help", tooltip="Every key of this screen and of the app"),
        Binding("escape", "leave", "Leave", show=False),
    ]

    @property
    def operator_app(self) -> OperatorApp:
        """The app through what screens need of it (floatctl/tui/ports.py), not the app module."""
        return cast(OperatorApp, self.app)

    @property
    def writable(self) -> bool:
        return self.operator_app.writable

    def runtime(self) -> Any:
        """The jobs adapters (call from a worker thread: the first call may reach AWS)."""
        return self.operator_app.runtime()

    def say(self, text: str) -> None:
        self.query_one(MessageLine).say(text)

    def show_error(self, error: BaseException) -> None:
        """A failure as one line on the screen and a notification; the app keeps running."""
        text = one_line(error)
        self.query_one(MessageLine).error(text)
        self.notify(text, title="error", severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Hook: undo a busy state after a worker of this screen failed."""

    def why_not(self, action: str) -> str:
        """Hook: why `action` is refused right now, in the TUI's words."""
        return f"{action} is not available here"

    def action_explain(self, action: str) -> None:
        """A refused or read-only key: say why on the message line and in a notification."""
        text = self.why_not(action)
        self.query_one(MessageLine).error(text)
        self.notify(text, title="refused", severity="warning", timeout=6)

    def action_leave(self) -> None:
        """Esc: leave the text box for the screen's main widget, clearing it if it is a filter; with
        no text box focused, clear every filter."""
        focused = self.focused
        if isinstance(focused, Input):
            if focused.has_class("filter"):
                focused.value = ""
            self.focus_main()
            return
        cleared = [box for box in self.query("Input.filter").results(Input) if box.value]
        for box in cleared:
            box.value = ""
        if cleared:
            self.say("filter cleared")

    def focus_main(self) -> None:
        if self.AUTO_FOCUS:
            self.query_one(self.AUTO_FOCUS).focus()

    def palette_commands(self) -> Iterator[SystemCommand]:
        """The screen's key bindings as palette commands, without those check_action hides (read-only)."""
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or not binding.show:
                continue
            if self.check_action(binding.action, ()) is False:
                continue
            yield SystemCommand(
                f"{self.TITLE_TEXT}: {binding.description}",
                binding.tooltip or binding.description,
                partial(self.run_action, binding.action),
            )

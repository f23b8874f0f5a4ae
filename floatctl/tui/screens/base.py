"""What every operator screen shares: the banner, the message line, the footer and worker failures."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from floatctl.tui.format import one_line
from floatctl.tui.widgets.message_line import MessageLine

if TYPE_CHECKING:
    from floatctl.tui.app import FloatctlApp


class OperatorScreen(Screen[None]):
    """A mode's base screen. Subclasses set TITLE_TEXT and their BINDINGS; I/O runs in thread workers."""

    TITLE_TEXT = ""

    @property
    def operator_app(self) -> FloatctlApp:
        return cast("FloatctlApp", self.app)

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

    def palette_commands(self) -> Iterator[SystemCommand]:
        """The screen's key bindings as palette commands, without those check_action hides (read-only)."""
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or self.check_action(binding.action, ()) is False:
                continue
            yield SystemCommand(
                f"{self.TITLE_TEXT}: {binding.description}",
                binding.tooltip or binding.description,
                partial(self.run_action, binding.action),
            )

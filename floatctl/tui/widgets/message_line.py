"""One line under a screen's content: what the last action did, or why it failed."""

from __future__ import annotations

from textual.widgets import Static


class MessageLine(Static):
    """Shows the outcome of the last action; errors in the error colour."""

    def __init__(self) -> None:
        super().__init__("", id="message-line", markup=False)

    def say(self, text: str) -> None:
        self.remove_class("-error")
        self.update(text)

    def error(self, text: str) -> None:
        self.add_class("-error")
        self.update(f"error: {text}")

"""`?`: every key of the app and of the screen it was opened from, as k9s shows its help."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

TABLE_KEYS = (("j / k, ↓ / ↑", "move in a table"), ("g / G", "to the first / last row"))
GLOBAL_KEYS = (
    ("F1…F5, 1…5", "Status, Preview, Locks, History, Launch (digits when no text box has focus)"),
    (":, Ctrl+P", "command palette: every screen and every action of this one"),
    ("/", "filter or search (on screens that have one)"),
    ("Esc", "leave a text box; clear a filter; close a dialog"),
    ("?", "this help"),
    ("q, Ctrl+Q", "quit (q only when no text box has focus)"),
)


def key_label(binding: Binding) -> str:
    """A binding's keys as the footer writes them (`x`, `/`, `r`)."""
    names = {"slash": "/", "question_mark": "?", "colon": ":", "escape": "Esc"}
    return ", ".join(names.get(key, key) for key in binding.key.split(","))


def screen_keys(screen: Screen) -> Iterable[tuple[str, str]]:
    """The screen's own keys with what each does (the tooltip, else the footer text)."""
    for binding in getattr(screen, "BINDINGS", ()):
        if isinstance(binding, Binding) and binding.show:
            yield key_label(binding), binding.tooltip or binding.description


class HelpScreen(ModalScreen[None]):
    """Closes with Esc or `?`; nothing in it acts."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Label(f"Keys: {self.title_text}", classes="dialog-title")
            yield Static(self._table(self.keys or [("-", "no keys of its own")]), id="help-screen-keys")
            yield Label("Everywhere", classes="dialog-title")
            yield Static(self._table([*GLOBAL_KEYS, *TABLE_KEYS]), id="help-global-keys")

    @staticmethod
    def _table(rows: Iterable[tuple[str, str]]) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for key, text in rows:
            grid.add_row(key, text)
        return grid

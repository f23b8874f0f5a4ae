"""Label/value lines (the status facts, a lock in the release modal)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.widgets import Static


class Facts(Static):
    """A two-column grid of (label, value) pairs."""

    def show(self, pairs: Sequence[tuple[str, str]]) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for label, value in pairs:
            grid.add_row(label, Text(str(value)))
        self.update(grid)

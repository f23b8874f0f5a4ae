"""The launch guards as a checklist: each passed, failed or warned, with why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

MARKS = {"ok": ("✔", "green"), "fail": ("✘", "bold red"), "warn": ("!", "yellow")}


def check_state(check: Any) -> str:
    """ok, fail (a blocking guard that did not pass) or warn (a guard that only warns)."""
    if check.ok:
        return "ok"
    return "fail" if check.blocking else "warn"


class Checklist(Static):
    """One line per jobs.oncall.launch.Check."""

    def show(self, checks: Sequence[Any]) -> None:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for check in checks:
            mark, style = MARKS[check_state(check)]
            grid.add_row(Text(mark, style=style), check.name, Text(check.detail))
        self.update(grid)

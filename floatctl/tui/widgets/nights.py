"""The last nights at a glance: a sparkline of the amounts submitted, and a bar per night."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from floatctl.tui.format import dollars

SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 24
STATUS_STYLES = {"SUCCEEDED": "green", "FAILED": "bold red", "INTERRUPTED": "yellow", "NO RUN": "bold red"}


def sparkline(amounts: Sequence[int]) -> str:
    """One character per amount, scaled to the largest; a night with nothing submitted is a space."""
    top = max(amounts, default=0)
    if top <= 0:
        return " " * len(amounts)
    return "".join(
        " " if amount <= 0 else SPARKS[min(len(SPARKS) - 1, amount * len(SPARKS) // (top + 1))]
        for amount in amounts
    )


def bar(amount: int, top: int) -> str:
    """A bar of `BAR_WIDTH` cells at most, at least one cell for any amount above zero."""
    if top <= 0 or amount <= 0:
        return ""
    return "█" * max(1, round(amount * BAR_WIDTH / top))


class NightsChart(Static):
    """Shows jobs.oncall.runs.Night values, newest first (the sparkline reads oldest to newest)."""

    def show(self, nights: Sequence[Any]) -> None:
        amounts = [night.submitted_amount_cents for night in nights]
        top = max(amounts, default=0)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True, min_width=BAR_WIDTH)
        grid.add_column(justify="right", no_wrap=True)
        for night in nights:
            grid.add_row(
                night.run_date.strftime("%a %Y-%m-%d"),
                Text(night.status, style=STATUS_STYLES.get(night.status, "")),
                Text(bar(night.submitted_amount_cents, top), style="cyan"),
                dollars(night.submitted_amount_cents),
            )
        title = Text.assemble(
            ("submitted per night, oldest → newest  ", "bold"),
            (sparkline(list(reversed(amounts))), "cyan"),
            f"  total {dollars(sum(amounts))}",
        )
        self.update(Group(title, grid))

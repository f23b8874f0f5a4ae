"""A live countdown to the 21:00 ET ACH cutoff, on the project's clock (FLOATCTL_NOW freezes it)."""

from __future__ import annotations

from datetime import date

from textual.widgets import Static

from floatctl.tui.format import clock_text
from jobs import clock
from jobs.domain import calendar

LATE_S = 30 * 60  # under half an hour left: the warning colour


class CutoffCountdown(Static):
    """`1:29:00 to the 21:00 ET cutoff of run date 2026-11-20`, ticking every second."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.run_date: date | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def follow(self, run_date: date) -> None:
        """Count down to `run_date`'s cutoff."""
        self.run_date = run_date
        self.tick()

    def tick(self) -> None:
        if self.run_date is None:
            return
        left = (calendar.cutoff_at(self.run_date) - clock.now()).total_seconds()
        self.set_class(0 < left < LATE_S, "-late")
        self.set_class(left <= 0, "-past")
        if left > 0:
            self.update(f"{clock_text(left)} to the 21:00 ET cutoff of run date {self.run_date}")
        else:
            self.update(f"the 21:00 ET cutoff of run date {self.run_date} passed {clock_text(left)} ago")

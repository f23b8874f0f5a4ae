"""Says how old the figures above it are, and loudly when the last refresh failed."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import Static

from floatctl.tui.format import moment


class StaleNote(Static):
    """`read Fri 2026-11-20 19:31:00 EST`, or `STALE: ... last good read ...` after a failed refresh."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False, classes="stale-note")
        self.last_good: datetime | None = None

    @property
    def stale(self) -> bool:
        return self.has_class("-stale")

    def fresh(self, at: datetime) -> None:
        """The figures were read at `at`."""
        self.last_good = at
        self.remove_class("-stale")
        self.update(f"read {moment(at)}")

    def failed(self, at: datetime) -> None:
        """A refresh at `at` failed: the figures shown are the last good read's, or none."""
        self.add_class("-stale")
        since = f"these figures are from the last good read, {moment(self.last_good)}"
        self.update(
            f"STALE: the refresh at {moment(at)} failed; "
            + (since if self.last_good else "nothing has been read yet")
        )

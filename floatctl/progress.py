"""Progress on a TTY (stderr): the run's live line, and the floats a preview has evaluated so far."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

FIRST = ("SUBMITTED", "FAILED")  # what on call watches: first on the line, always shown


class RunProgress:
    """A rich progress line on stderr; a no-op when disabled (not a TTY, or JSON output).

    `SUBMITTED 12  FAILED 0  0:00:35  40 floats (SKIP_VALID_CARD=20 ...)  84 min to cutoff`
    """

    def __init__(self, enabled: bool, options: Any) -> None:
        from jobs import clock

        self.enabled = enabled
        self.options = options
        # The run's clock (FLOATCTL_NOW when set) at the start, moved on by the time elapsed since.
        self._started_at, self._started = clock.now(), time.monotonic()
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.fields[first]}"),
                TimeElapsedColumn(),
                SpinnerColumn(),
                TextColumn("{task.description}"),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._describe(), total=None, first=self._first())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._update()
            self._progress.stop()

    def advance(self, outcome: Any) -> None:
        with self._lock:
            self.counts[outcome.outcome] += 1
        if self._progress is not None:
            self._update()

    def _update(self) -> None:
        self._progress.update(self._task, description=self._describe(), first=self._first())

    def _first(self) -> str:
        return "  ".join(f"{name} {self.counts.get(name, 0)}" for name in FIRST)

    def _describe(self) -> str:
        from floatctl.output import duration, plural
        from jobs.domain.calendar import cutoff_at

        done = sum(self.counts.values())
        rest = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()) if k not in FIRST)
        elapsed = time.monotonic() - self._started
        left = (cutoff_at(self.options.run_date) - self._started_at).total_seconds() - elapsed
        to_cutoff = f"{duration(left)} to cutoff" if left > 0 else f"PAST CUTOFF by {duration(left)}"
        return f"{plural(done, 'float')}{f' ({rest})' if rest else ''}  {to_cutoff}"


class PreviewProgress:
    """`evaluating: 1,200 floats  0:00:08` on stderr while a preview runs; gone when it is done."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.floats = 0
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> PreviewProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("evaluating: {task.description}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("0 floats", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def evaluated(self, count: int) -> None:
        """`count` more floats evaluated (build_preview's `evaluated`, called once per page)."""
        self.floats += count
        if self._progress is not None:
            self._progress.update(self._task, description=f"{self.floats:,} floats")

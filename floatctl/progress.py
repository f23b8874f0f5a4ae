"""The live progress of a run on a TTY: counts per outcome, rate, and the time left to the cutoff."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from typing import Any


class RunProgress:
    """A rich progress line on stderr; a no-op when disabled (not a TTY, or JSON output)."""

    def __init__(self, enabled: bool, options: Any) -> None:
        self.enabled = enabled
        self.options = options
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._describe(), total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=self._describe())
            self._progress.stop()

    def advance(self, outcome: Any) -> None:
        with self._lock:
            self.counts[outcome.outcome] += 1
        if self._progress is not None:
            self._progress.update(self._task, description=self._describe())

    def _describe(self) -> str:
        from jobs.domain.calendar import NEW_YORK, cutoff_at

        done = sum(self.counts.values())
        parts = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        left = cutoff_at(self.options.run_date) - datetime.now(NEW_YORK)
        to_cutoff = (
            f"{int(left.total_seconds() // 60)} min to cutoff" if left.total_seconds() > 0 else "PAST CUTOFF"
        )
        return f"{done} floats  {parts}  ({to_cutoff})"

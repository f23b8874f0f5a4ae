"""Runs across nights: the run records of the last N weekday nights, newest first, for
`floatctl history --runs --last N` and the TUI's history screen.

A night is a weekday run date (the schedule fires MON-FRI, Fed holidays included). A night with no
run record is kept, as `NO RUN`: a missed fire must show up in the list, not vanish from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jobs.domain import calendar
from jobs.domain.records import RunRecord
from jobs.oncall.ports import OncallRuntime

MAX_NIGHTS = 366
NO_RUN = "NO RUN"


@dataclass(frozen=True)
class Night:
    """One run date and its run records (newest first; several when it was relaunched)."""

    run_date: date
    runs: tuple[RunRecord, ...]

    @property
    def status(self) -> str:
        """The latest run's status, or NO RUN."""
        return self.runs[0].status if self.runs else NO_RUN

    @property
    def submitted_amount_cents(self) -> int:
        """Dollars submitted that night, over every run of it."""
        return sum(r.submitted_amount_cents for r in self.runs)


def nights_before(today: date, last: int) -> list[date]:
    """The `last` weekday run dates up to and including `today`, newest first."""
    days: list[date] = []
    day = today
    while len(days) < last:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


def recent_nights(runtime: OncallRuntime, today: date, last: int = 30) -> list[Night]:
    """The last `last` nights with their run records (one Query per due date), newest first."""
    from jobs.errors import UsageError

    if not 1 <= last <= MAX_NIGHTS:
        raise UsageError(f"--last: give a number of nights from 1 to {MAX_NIGHTS}, not {last}")
    store = runtime.history()
    by_due: dict[date, list[RunRecord]] = {}
    nights = []
    for run_date in nights_before(today, last):
        due = calendar.due_window(run_date).end
        if due not in by_due:
            by_due[due] = store.runs(due)
        runs = tuple(r for r in by_due[due] if r.run_date == run_date and not r.dry_run)
        nights.append(Night(run_date, runs))
    return nights


def duration_s(run: RunRecord) -> float | None:
    """How long the run took (None while it runs, or when it never wrote its end)."""
    return (run.finished_at - run.started_at).total_seconds() if run.finished_at else None


def run_rows(nights: list[Night]) -> list[dict[str, Any]]:
    """One JSON-ready row per run (and one per night without a run), newest first."""
    rows: list[dict[str, Any]] = []
    for night in nights:
        if not night.runs:
            rows.append(
                {
                    "run_date": night.run_date.isoformat(),
                    "run_id": None,
                    "status": NO_RUN,
                    "started_at": None,
                    "duration_s": None,
                    "counts": {},
                    "submitted_amount_cents": 0,
                    "started_by": None,
                }
            )
        for run in night.runs:
            duration = duration_s(run)
            rows.append(
                {
                    "run_date": night.run_date.isoformat(),
                    "run_id": run.run_id,
                    "status": run.status,
                    "started_at": run.started_at.isoformat(),
                    "duration_s": None if duration is None else round(duration),
                    "counts": dict(run.counts),
                    "submitted_amount_cents": run.submitted_amount_cents,
                    "started_by": run.started_by,
                }
            )
    return rows


def run_logs_url(runtime: OncallRuntime, run: RunRecord | None, environ: Any) -> str | None:
    """The Datadog logs link of `run` (None without a run), on the site of `environ`'s DD_SITE."""
    from jobs.observe.log_link import logs_url

    return logs_url(run.run_id, environ, run.started_at) if run is not None else None


def task_run(runtime: OncallRuntime, run_date: date, task_arn: str) -> RunRecord | None:
    """The run record a task wrote for `run_date`, or None when it wrote none."""
    runs = runtime.history().runs(calendar.due_window(run_date).end)
    return next((r for r in runs if r.task_arn == task_arn), None)

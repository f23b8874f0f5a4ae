"""What an on-call engineer needs to know about one night: the schedule, its fire, the night's runs, the job
locks, running tasks and the scheduler's dead-letter queue -- gathered once, then judged by
jobs.oncall.diagnosis (a pure function) for `status`, `recover`, `launch`, `watch` and the TUI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jobs.adapters.ecs import RunningTask
from jobs.domain import calendar, keys
from jobs.domain.keys import JOB_NAMESPACE
from jobs.domain.records import RunRecord
from jobs.domain.schedule import FireFailure, Schedule
from jobs.oncall.lock_view import LockView, view_lock
from jobs.oncall.ports import OncallRuntime


@dataclass
class Facts:
    """Everything the diagnosis of one night reads, gathered once (or built by hand in a unit test)."""

    env: str
    now: datetime
    focus_run_date: date | None = None
    schedule: Schedule | None = None
    schedule_error: str | None = None
    last_fire: datetime | None = None
    next_fire: datetime | None = None
    runs: list[RunRecord] = field(default_factory=list)  # the night's runs, newest first
    job_locks: list[LockView] = field(default_factory=list)
    running_tasks: list[RunningTask] = field(default_factory=list)
    fire_failures: list[FireFailure] = field(default_factory=list)  # the night's DLQ messages
    dlq_error: str | None = None

    @property
    def today(self) -> date:
        return calendar.today_in_new_york(self.now)

    @property
    def latest_run(self) -> RunRecord | None:
        return self.runs[0] if self.runs else None

    @property
    def job_lock(self) -> LockView | None:
        """The job lock that matters most: a live one, else any."""
        live = [lk for lk in self.job_locks if lk.state == "live"]
        return (live or self.job_locks or [None])[0]

    @property
    def fire_failure(self) -> FireFailure | None:
        return self.fire_failures[-1] if self.fire_failures else None

    @property
    def focus_window(self) -> calendar.DueWindow | None:
        return calendar.due_window(self.focus_run_date) if self.focus_run_date else None

    def seconds_to_cutoff(self, run_date: date | None = None) -> float:
        return (calendar.cutoff_at(run_date or self.focus_run_date or self.today) - self.now).total_seconds()


def runs_of_night(records: list[RunRecord], run_date: date) -> list[RunRecord]:
    """The real runs started for `run_date`, newest first (a holiday shares its due date with the day before)."""
    mine = [r for r in records if r.run_date == run_date and not r.dry_run]
    return sorted(mine, key=lambda r: r.started_at, reverse=True)


def failures_of_night(
    failures: list[FireFailure], run_date: date, schedule: Schedule | None
) -> list[FireFailure]:
    """The DLQ messages of `run_date`'s fire: those sent after it and before the next fire."""
    from jobs.oncall.diagnosis import night_in_question

    return [f for f in failures if night_in_question(f.sent_at, schedule) == run_date]


def read_schedule(runtime: OncallRuntime, facts: Facts) -> None:
    """The schedule, its last and next fire into `facts` (or why it cannot be read)."""
    from jobs.errors import FloatctlError

    try:
        facts.schedule = runtime.schedule().read()
        facts.last_fire = facts.schedule.last_fire(facts.now)
        facts.next_fire = facts.schedule.next_fire(facts.now)
    except FloatctlError as exc:
        facts.schedule_error = exc.message


def resolve_night(runtime: OncallRuntime, now: datetime, requested: date | None = None) -> date:
    """The night in question as `status` resolves it (the schedule read), for a command that needs
    only the date (`reconcile`): `requested`, else the night of the last fire."""
    from jobs.oncall.diagnosis import night_in_question

    if requested is not None:
        return requested
    facts = Facts(runtime.settings.env, now)
    read_schedule(runtime, facts)
    return night_in_question(now, facts.schedule)


def gather(runtime: OncallRuntime, now: datetime, run_date: date | None = None) -> Facts:
    """Read the schedule, the night's run records, the job locks, the running tasks and the DLQ."""
    from jobs.errors import FloatctlError
    from jobs.oncall.diagnosis import night_in_question

    settings = runtime.settings
    facts = Facts(settings.env, now)
    read_schedule(runtime, facts)
    night = night_in_question(now, facts.schedule, run_date)
    facts.focus_run_date = night
    facts.runs = runs_of_night(runtime.history().runs(calendar.due_window(night).end), night)
    liveness, wall = runtime.liveness(), time.time()  # leases run on real time
    facts.job_locks = [
        view_lock(lease, liveness, wall)
        for lease in runtime.locks().list(JOB_NAMESPACE)
        if keys.is_job_lock_key(lease.lock_key)
    ]
    facts.running_tasks = runtime.ecs().running(settings.task_family, exclude=own_task_arn(settings))
    dlq_arn = facts.schedule.dead_letter_arn if facts.schedule else None
    if dlq_arn:
        try:
            found = runtime.dead_letters(dlq_arn).peek()
            facts.fire_failures = failures_of_night(found, night, facts.schedule)
        except FloatctlError as exc:
            facts.dlq_error = exc.message
    return facts


def own_task_arn(settings: Any) -> str | None:
    """This process's ECS task ARN when it runs as a task (the watch, a container command), else None:
    FLOATCTL_TASK_ARN, or the task metadata endpoint (jobs.adapters.ecs_metadata)."""
    from jobs.adapters import ecs_metadata

    return settings.task_arn or ecs_metadata.task_arn()

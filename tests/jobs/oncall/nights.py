"""Hand-built facts of a night as `status` and `recover` would gather them: shared by the diagnosis
table and the watch's tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from jobs.adapters.ecs import RunningTask
from jobs.domain import calendar
from jobs.domain.leases import Lease
from jobs.domain.records import RunRecord
from jobs.domain.schedule import Schedule
from jobs.oncall import diagnosis as d
from jobs.oncall.facts import Facts
from jobs.oncall.lock_view import LockView

SCHEDULE = Schedule(
    name="sandbox-floats-day-before-ach",
    expression="cron(0 19 ? * MON-FRI *)",
    timezone="America/New_York",
    state="ENABLED",
    retry_attempts=0,
    target={},
)


def job_lock(state: str, now: datetime) -> LockView:
    """The job lock of run r-1 as the views show it: `state` is live, orphaned or expired."""
    t = now.timestamp()
    lease = Lease("job", "day-before-ach", "r-1", "ip-10-0-0-1:42", t - 30, t + 30, "rvn-1")
    return LockView(lease, state, "dead" if state == "orphaned" else "unknown")


def facts_for(now: datetime, night: date, situation: str, **extra) -> Facts:
    """The facts of `night` as `status`/`recover` would gather them at `now`."""
    facts = Facts("sandbox", now, focus_run_date=night, schedule=SCHEDULE, **extra)
    started = max(d.due_at(night), now - timedelta(minutes=1)).astimezone(UTC)
    status = {"running": "RUNNING", "died": "RUNNING"}.get(situation, situation.upper())
    if situation != "none":
        facts.runs = [RunRecord("r-1", calendar.due_window(night).end, night, started, status=status)]
    if situation == "running":
        facts.job_locks = [job_lock("live", now)]
        facts.running_tasks = [RunningTask("arn:aws:ecs:us-east-1:1:task/c/t1", "RUNNING")]
    if situation == "died":
        facts.job_locks = [job_lock("orphaned", now)]
    return facts

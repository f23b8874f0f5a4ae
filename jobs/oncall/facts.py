"""What an on-call engineer needs to know now: the schedule, the last fire and its run, the job lock,
running tasks, the calendar and the cutoff -- and one sentence of what to do.

`status`, `launch` and the TUI read the same facts from here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from jobs.adapters.locks import JOB_NAMESPACE, Lease
from jobs.domain import calendar
from jobs.domain.keys import JOB_NAME
from jobs.domain.records import RunRecord

FIRE_GRACE = timedelta(minutes=5)  # a Fargate task takes a minute or two to write its run record


@dataclass(frozen=True)
class LockView:
    """A lock with what can be proved about its owner."""

    lease: Lease
    state: str  # live | expired | orphaned
    owner_state: str  # alive | dead | unknown

    def as_json(self, now: float) -> dict[str, Any]:
        lease = self.lease
        return {
            "namespace": lease.namespace,
            "lock_key": lease.lock_key,
            "owner": lease.owner,
            "owner_task": lease.owner_task,
            "state": self.state,
            "owner_state": self.owner_state,
            "age_s": round(now - lease.acquired_at),
            "lease_left_s": round(lease.lease_expires_at - now),
            "rvn": lease.rvn,
        }


def view_lock(lease: Lease, liveness: Any, now: float) -> LockView:
    owner_state = liveness.describe(lease.owner_task)
    if owner_state == "dead":
        state = "orphaned"
    elif lease.lease_expires_at < now:
        state = "expired"
    else:
        state = "live"
    return LockView(lease, state, owner_state)


@dataclass
class Facts:
    """Everything `status` shows, gathered once."""

    env: str
    now: datetime
    schedule: Any = None
    schedule_error: str | None = None
    last_fire: datetime | None = None
    next_fire: datetime | None = None
    focus_run_date: date | None = None
    runs: list[RunRecord] = field(default_factory=list)
    job_lock: LockView | None = None
    running_tasks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def today(self) -> date:
        return calendar.today_in_new_york(self.now)

    @property
    def latest_run(self) -> RunRecord | None:
        return self.runs[0] if self.runs else None

    @property
    def focus_window(self) -> calendar.DueWindow | None:
        return calendar.due_window(self.focus_run_date) if self.focus_run_date else None

    def seconds_to_cutoff(self, run_date: date | None = None) -> float:
        return (calendar.cutoff_at(run_date or self.today) - self.now).total_seconds()


def gather(runtime: Any, now: datetime, run_date: date | None = None) -> Facts:
    """Read the schedule, the run records, the job lock and the running tasks."""
    from jobs.adapters.scheduler import load_schedule
    from jobs.errors import FloatctlError

    settings = runtime.settings
    facts = Facts(settings.env, now)
    try:
        facts.schedule = load_schedule(
            runtime.aws.client("scheduler"), settings.schedule_name, settings.schedule_group
        )
        facts.last_fire = facts.schedule.last_fire(now)
        facts.next_fire = facts.schedule.next_fire(now)
    except FloatctlError as exc:
        facts.schedule_error = exc.message
    if run_date is not None:
        facts.focus_run_date = run_date
    elif facts.last_fire is not None:
        facts.focus_run_date = facts.last_fire.astimezone(calendar.NEW_YORK).date()
    else:
        facts.focus_run_date = facts.today
    facts.runs = runtime.history().runs(calendar.due_window(facts.focus_run_date).end)
    lease = runtime.locks().get(JOB_NAMESPACE, JOB_NAME)
    if lease is not None:
        facts.job_lock = view_lock(lease, runtime.liveness(), time.time())  # leases run on real time
    facts.running_tasks = running_tasks(runtime.aws.client("ecs"), settings.cluster, settings.task_family)
    return facts


def running_tasks(ecs: Any, cluster: str, family: str) -> list[dict[str, Any]]:
    """Tasks of the family that are not STOPPED (ListTasks desiredStatus=RUNNING, then DescribeTasks)."""
    arns = ecs.list_tasks(cluster=cluster, family=family, desiredStatus="RUNNING").get("taskArns", [])
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns, include=["TAGS"]).get("tasks", [])
    return [
        {
            "task_arn": t["taskArn"],
            "last_status": t.get("lastStatus"),
            "started_by": t.get("startedBy"),
            "created_at": t.get("createdAt"),
            "tags": {tag["key"]: tag["value"] for tag in t.get("tags", [])},
        }
        for t in tasks
        if t.get("lastStatus") != "STOPPED"
    ]


def _hm(moment: datetime | None) -> str:
    return moment.astimezone(calendar.NEW_YORK).strftime("%a %H:%M ET") if moment else "?"


def advice(facts: Facts) -> str:
    """One plain sentence of what to do now."""
    if facts.schedule_error:
        return f"The schedule cannot be read ({facts.schedule_error}): check it with floatctl preflight or the console."
    schedule = facts.schedule
    if schedule.state != "ENABLED":
        return (
            f"The schedule is {schedule.state}: tonight will not fire by itself; enable it or launch by hand."
        )
    run = facts.latest_run
    focus = facts.focus_run_date
    left = facts.seconds_to_cutoff(focus)
    minutes = f"{int(left // 60)} min to the 21:00 cutoff"
    if facts.running_tasks or (
        run and run.status == "RUNNING" and facts.job_lock and facts.job_lock.state == "live"
    ):
        which = f" (run {run.run_id})" if run and run.status == "RUNNING" else ""
        return f"A run is in progress{which}: let it finish and watch floatctl status; {minutes}."
    if facts.last_fire is None or facts.now < facts.last_fire + FIRE_GRACE:
        return f"Nothing to do: the next fire is {_hm(facts.next_fire)}."
    if run is None:
        if left <= 0:
            return (
                f"The {_hm(facts.last_fire)} fire produced no run and its cutoff has passed: tell finance; "
                "a late launch needs floatctl launch day-before-ach --after-cutoff."
            )
        return f"The {_hm(facts.last_fire)} fire did not run: launch it now with floatctl launch day-before-ach --wait ({minutes})."
    if run.status == "SUCCEEDED":
        return f"Nothing to do: run {run.run_id} SUCCEEDED; the next fire is {_hm(facts.next_fire)}."
    if run.status == "RUNNING":
        lock = facts.job_lock.state if facts.job_lock else "absent"
        return (
            f"Run {run.run_id} still says RUNNING but no task runs and the job lock is {lock}: it died; "
            f"relaunch with floatctl launch day-before-ach --wait ({minutes})."
        )
    if left <= 0:
        return f"Run {run.run_id} ended {run.status} and the cutoff has passed: tell finance before any late launch."
    return f"Run {run.run_id} ended {run.status}: relaunch to finish the rest with floatctl launch day-before-ach --wait ({minutes})."


def ny_time(moment: datetime | None) -> str:
    """A moment as New York wall time with the weekday (`Fri 2026-11-20 19:00 EST`)."""
    return moment.astimezone(calendar.NEW_YORK).strftime("%a %Y-%m-%d %H:%M %Z") if moment else "unknown"


def cutoff_text(seconds: float) -> str:
    """Time to the cutoff for people: `1 h 29 min`, or how long ago it passed."""
    minutes = int(abs(seconds) // 60)
    span = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"cutoff passed {span} ago" if seconds <= 0 else span


def status_document(facts: Facts) -> dict[str, Any]:
    """The status as one JSON-ready document (`floatctl status -o json`, and the TUI's status screen)."""
    now = facts.now
    today = facts.today
    window = facts.focus_window
    run = facts.latest_run
    return {
        "env": facts.env,
        "now": now.isoformat(),
        "schedule": None
        if facts.schedule is None
        else {
            "name": facts.schedule.name,
            "expression": facts.schedule.expression,
            "timezone": facts.schedule.timezone,
            "state": facts.schedule.state,
            "retry_attempts": facts.schedule.retry_attempts,
        },
        "schedule_error": facts.schedule_error,
        "last_fire": facts.last_fire.isoformat() if facts.last_fire else None,
        "next_fire": facts.next_fire.isoformat() if facts.next_fire else None,
        "run_date": facts.focus_run_date.isoformat() if facts.focus_run_date else None,
        "due_window": {"start": window.start.isoformat(), "end": window.end.isoformat()} if window else None,
        "run": None
        if run is None
        else {
            "run_id": run.run_id,
            "status": run.status,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "started_by": run.started_by,
            "task_arn": run.task_arn,
            "counts": run.counts,
            "submitted_amount_cents": run.submitted_amount_cents,
        },
        "runs_for_due_date": len(facts.runs),
        "job_lock": facts.job_lock.as_json(time.time()) if facts.job_lock else None,
        "running_tasks": facts.running_tasks,
        "today": {
            "date": today.isoformat(),
            "business_day": calendar.is_business_day(today),
            "holiday": calendar.holiday_name(today),
            "next_business_day": calendar.next_business_day(today).isoformat(),
        },
        "seconds_to_cutoff": round(facts.seconds_to_cutoff(facts.focus_run_date)),
        "advice": advice(facts),
    }


def status_fields(facts: Facts, document: dict[str, Any]) -> list[tuple[str, str]]:
    """The status as (label, sentence) pairs for people: the `status` table and the TUI's facts panel."""
    window = facts.focus_window
    run = facts.latest_run
    lock = facts.job_lock
    today = document["today"]
    return [
        ("env", facts.env),
        ("now", facts.now.astimezone(calendar.NEW_YORK).strftime("%Y-%m-%d %H:%M %Z")),
        (
            "schedule",
            facts.schedule_error
            or f"{facts.schedule.expression} {facts.schedule.timezone} {facts.schedule.state}"
            f" (retries {facts.schedule.retry_attempts})",
        ),
        ("last fire", ny_time(facts.last_fire)),
        ("next fire", ny_time(facts.next_fire)),
        (
            "run date / due window",
            f"{document['run_date']} / {window.start}..{window.end}" if window else "-",
        ),
        (
            "run",
            f"{run.run_id} {run.status} ({', '.join(f'{k}={v}' for k, v in sorted(run.counts.items())) or 'no counts yet'})"
            if run
            else "none recorded",
        ),
        (
            "job lock",
            f"{lock.state}: run {lock.lease.owner} on {lock.lease.owner_task} ({lock.lease.seconds_left():.0f}s left)"
            if lock
            else "free",
        ),
        (
            "running tasks",
            ", ".join(f"{t['task_arn'].split('/')[-1]} {t['last_status']}" for t in facts.running_tasks)
            or "none",
        ),
        (
            "today",
            f"{today['date']} {'business day' if today['business_day'] else 'not a business day'}"
            + (f" ({today['holiday']})" if today["holiday"] else ""),
        ),
        ("to cutoff", cutoff_text(document["seconds_to_cutoff"])),
    ]

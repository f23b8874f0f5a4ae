"""`status` as a document and as labelled sentences: the facts of one night and its diagnosis.

`floatctl status` (table or JSON) and the TUI's status screen render these; the judgement is
jobs.oncall.diagnosis, so status, recover, launch and watch say the same thing.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from jobs.domain import calendar
from jobs.oncall.diagnosis import Diagnosis, diagnose, fire_time
from jobs.oncall.facts import Facts
from jobs.oncall.lock_view import LockView
from jobs.words import duration, moment


def ny_time(at: datetime | None) -> str:
    """A moment as people read it (jobs.words.moment), or `unknown`."""
    return moment(at) if at else "unknown"


def cutoff_text(seconds: float) -> str:
    """Time to the cutoff for people: `1 h 29 min`, or how long ago it passed."""
    return f"cutoff passed {duration(seconds)} ago" if seconds <= 0 else duration(seconds)


def advice(facts: Facts) -> str:
    """One plain sentence of what to do now, with the exact command for the same night."""
    return diagnose(facts).advice


def status_document(facts: Facts, diagnosis: Diagnosis | None = None) -> dict[str, Any]:
    """The status as one JSON-ready document (`floatctl status -o json`, and the TUI's status screen)."""
    diagnosis = diagnosis or diagnose(facts)
    today = facts.today
    window = facts.focus_window
    run = facts.latest_run
    fire = fire_time(facts.focus_run_date, facts.schedule) if facts.focus_run_date else None
    return {
        "env": facts.env,
        "now": facts.now.isoformat(),
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
        "fire_at": fire.isoformat() if fire else None,
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
        "runs_for_run_date": len(facts.runs),
        "job_lock": facts.job_lock.as_json(time.time()) if facts.job_lock else None,
        "job_locks": [lk.as_json(time.time()) for lk in facts.job_locks],
        "running_tasks": [t.as_json() for t in facts.running_tasks],
        "fire_failures": [f.as_json() for f in facts.fire_failures],
        "dlq_error": facts.dlq_error,
        "today": {
            "date": today.isoformat(),
            "business_day": calendar.is_business_day(today),
            "holiday": calendar.holiday_name(today),
            "next_business_day": calendar.next_business_day(today).isoformat(),
        },
        "seconds_to_cutoff": round(facts.seconds_to_cutoff(facts.focus_run_date)),
        "diagnosis": diagnosis.as_json(),
        "advice": diagnosis.advice,
    }


def job_lock_text(view: LockView) -> str:
    """A job lock in one line; a sharded layout with each of its shards and who holds it."""
    lease = view.lease
    left = f"({duration(lease.seconds_left())} left)"
    if lease.shard_count == 1 or not view.members:
        return f"{lease.lock_key} {view.state}: run {lease.owner} on {lease.owner_task} {left}"
    shards = ", ".join(f"shard {m.member.index} {m.state} on {m.member.owner_task}" for m in view.members)
    return f"{lease.lock_key} {view.state}, {view.layout}: {shards} {left}"


def status_fields(facts: Facts, document: dict[str, Any]) -> list[tuple[str, str]]:
    """The status as (label, sentence) pairs for people: the `status` table and the TUI's facts panel."""
    window = facts.focus_window
    run = facts.latest_run
    today = document["today"]
    fire = datetime.fromisoformat(document["fire_at"]) if document["fire_at"] else None
    failure = facts.fire_failure
    return [
        ("env", facts.env),
        ("now", moment(facts.now)),
        (
            "schedule",
            facts.schedule_error
            or f"{facts.schedule.expression} {facts.schedule.timezone} {facts.schedule.state}"
            f" (retries {facts.schedule.retry_attempts})",
        ),
        (
            "run date / due window",
            f"{document['run_date']} / {window.start}..{window.end}" if window else "-",
        ),
        (
            "its fire",
            ny_time(fire) if fire else f"none (the schedule does not fire on {facts.focus_run_date:%A}s)",
        ),
        (
            "fire failed",
            f"{failure.error_code}: {failure.error_message} ({ny_time(failure.sent_at)})"
            if failure
            else (facts.dlq_error or "no dead-letter event"),
        ),
        (
            "run",
            f"{run.run_id} {run.status} ({', '.join(f'{k}={v}' for k, v in sorted(run.counts.items())) or 'no counts yet'})"
            if run
            else "none recorded",
        ),
        (
            "job lock",
            "; ".join(job_lock_text(lk) for lk in facts.job_locks) or "free",
        ),
        (
            "running tasks",
            ", ".join(f"{t.short_id} {t.last_status}" for t in facts.running_tasks) or "none",
        ),
        ("next fire", ny_time(facts.next_fire)),
        (
            "today",
            f"{today['date']} {'business day' if today['business_day'] else 'not a business day'}"
            + (f" ({today['holiday']})" if today["holiday"] else ""),
        ),
        ("to cutoff", cutoff_text(document["seconds_to_cutoff"])),
        ("state", f"{document['diagnosis']['state']} → {document['diagnosis']['action']}"),
    ]

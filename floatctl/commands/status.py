"""`floatctl status`: did tonight's fire run, what holds the job lock, and what to do now."""

from __future__ import annotations

from typing import Annotated

import typer

from floatctl.commands import options as opt


def status(
    ctx: typer.Context,
    date_: Annotated[
        str | None, typer.Option("--date", help="look at this run date instead of the last fire")
    ] = None,
) -> None:
    """The schedule, the last expected fire and its run, the job lock, running tasks, cutoff, advice."""
    from jobs import calendar, clock
    from jobs.oncall import advice, gather

    app_ctx = ctx.obj
    out = app_ctx.output
    now = clock.now()
    run_date = opt.run_date(date_) if date_ else None
    facts = gather(app_ctx.runtime(), now, run_date)
    sentence = advice(facts)
    today = facts.today
    window = facts.focus_window
    run = facts.latest_run
    document = {
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
        "job_lock": facts.job_lock.as_json(now.timestamp()) if facts.job_lock else None,
        "running_tasks": facts.running_tasks,
        "today": {
            "date": today.isoformat(),
            "business_day": calendar.is_business_day(today),
            "holiday": calendar.holiday_name(today),
            "next_business_day": calendar.next_business_day(today).isoformat(),
        },
        "seconds_to_cutoff": round(facts.seconds_to_cutoff(facts.focus_run_date)),
        "advice": sentence,
    }
    if out.is_json:
        out.json(document)
        return
    out.banner(app_ctx.env)
    lock = facts.job_lock
    pairs = [
        ("env", facts.env),
        ("now", now.astimezone(calendar.NEW_YORK).strftime("%Y-%m-%d %H:%M %Z")),
        (
            "schedule",
            facts.schedule_error
            or f"{facts.schedule.expression} {facts.schedule.timezone} {facts.schedule.state}"
            f" (retries {facts.schedule.retry_attempts})",
        ),
        ("last fire", _ny(facts.last_fire)),
        ("next fire", _ny(facts.next_fire)),
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
            f"{today} {'business day' if document['today']['business_day'] else 'not a business day'}"
            + (f" ({document['today']['holiday']})" if document["today"]["holiday"] else ""),
        ),
        ("to cutoff", _minutes(document["seconds_to_cutoff"])),
    ]
    out.fields(pairs, title="day-before-ach status")
    out.line()
    out.line(sentence)


def _ny(moment) -> str:
    from jobs.calendar import NEW_YORK

    return moment.astimezone(NEW_YORK).strftime("%a %Y-%m-%d %H:%M %Z") if moment else "unknown"


def _minutes(seconds: float) -> str:
    if seconds <= 0:
        return f"past the cutoff by {int(-seconds // 60)} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"

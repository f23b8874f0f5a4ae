"""`floatctl history`: the events and run records of a float, a user, a run or a run date; the audit ledger."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from floatctl.commands import options as opt
from floatctl.output import dollars
from jobs.errors import FloatctlError, UsageError


def history(
    ctx: typer.Context,
    float_id: Annotated[int | None, typer.Option("--float", help="one float's events")] = None,
    user_id: Annotated[int | None, typer.Option("--user", help="one user's events")] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="one run's record and events")] = None,
    date_: Annotated[
        str | None, typer.Option("--date", help="the runs of a run date, their events, that day's audit")
    ] = None,
    audit: Annotated[
        bool, typer.Option("--audit", help="the operator audit ledger (of --date, default today)")
    ] = False,
) -> None:
    """Newest first, with verdicts, reasons and payment ids (cards never beyond last4)."""
    from jobs.calendar import due_window, today_in_new_york
    from jobs.history import FloatEvent, RunRecord

    chosen = [x for x in (float_id, user_id, run_id) if x is not None] + (
        [date_] if date_ and not audit else []
    )
    if len(chosen) != 1 and not audit:
        raise UsageError("give exactly one of --float, --user, --run, --date (or --audit)")
    if audit and (float_id or user_id or run_id):
        raise UsageError("--audit goes with --date only")
    app_ctx = ctx.obj
    runtime = app_ctx.runtime()
    store = runtime.history()
    runs: list[RunRecord] = []
    events: list[FloatEvent] = []
    audits = []
    if audit:
        day = opt.run_date(date_) if date_ else today_in_new_york()
        audits = runtime.audit().on(day)
    elif float_id is not None:
        events = store.float_events(float_id)
    elif user_id is not None:
        events = store.by_user_id(user_id)
    elif run_id is not None:
        items = store.by_run_id(run_id)
        if not items:
            raise FloatctlError(
                f"no run {run_id!r} in {app_ctx.env}", hint="run ids look like 20261123T000012Z-1a2b3c4d"
            )
        runs = [RunRecord.from_item(i) for i in items if i.get("kind") == "run"]
        events = [FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event"]
    else:
        day = opt.run_date(date_)
        runs = store.runs(due_window(day).end)
        for run in runs:
            events.extend(
                FloatEvent.from_item(i) for i in store.by_run_id(run.run_id) if i.get("kind") == "float_event"
            )
        events.sort(key=lambda e: e.event_at, reverse=True)
        audits = runtime.audit().on(day)
    _render(app_ctx.output, runs, events, audits)


def _render(out, runs, events, audits) -> None:
    if out.is_json:
        out.json(
            {
                "runs": [asdict(r) for r in runs],
                "events": [asdict(e) for e in events],
                "audit": [asdict(a) for a in audits],
            }
        )
        return
    if runs:
        out.table(
            ("run", "status", "run date", "due", "started", "by", "counts", "submitted"),
            [
                (
                    r.run_id,
                    r.status,
                    r.run_date,
                    r.due_date,
                    r.started_at.isoformat(timespec="seconds"),
                    r.started_by,
                    " ".join(f"{k}={v}" for k, v in sorted(r.counts.items())),
                    dollars(r.submitted_amount_cents),
                )
                for r in runs
            ],
            title="runs",
        )
    if events:
        out.table(
            ("at", "float", "user", "run", "outcome", "amount", "due", "payment", "reason"),
            [
                (
                    e.event_at.isoformat(timespec="seconds"),
                    e.float_id,
                    e.user_id,
                    e.run_id,
                    e.outcome,
                    dollars(e.amount_cents),
                    e.due_date,
                    e.payment_id or "",
                    e.reason,
                )
                for e in events
            ],
            title=f"{len(events)} events",
        )
    if audits:
        out.table(
            ("at", "actor", "action", "target", "reason"),
            [(a.at.isoformat(timespec="seconds"), a.actor, a.action, a.target, a.reason) for a in audits],
            title="audit",
        )
    if not (runs or events or audits):
        out.info("nothing recorded")

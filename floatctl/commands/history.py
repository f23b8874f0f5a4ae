"""`floatctl history`: the events and run records of a float, a user, a run or a run date; the audit ledger."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from floatctl.commands import options as opt
from floatctl.output import dollars, duration, plural
from jobs.errors import UsageError


def history(
    ctx: typer.Context,
    float_id: Annotated[int | None, typer.Option("--float", min=1, help="one float's events")] = None,
    user_id: Annotated[int | None, typer.Option("--user", min=1, help="one user's events")] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="one run's record and events")] = None,
    date_: Annotated[
        str | None, typer.Option("--date", help="the runs of a run date, their events, that day's audit")
    ] = None,
    audit: Annotated[
        bool, typer.Option("--audit", help="the operator audit ledger (of --date, default today)")
    ] = False,
    runs: Annotated[
        bool, typer.Option("--runs", help="the runs of the last nights: status, duration, counts, amount")
    ] = False,
    last: Annotated[int, typer.Option("--last", help="with --runs: how many weekday nights")] = 30,
) -> None:
    """Newest first, with verdicts, reasons and payment ids (cards never beyond last4)."""
    from jobs.domain.calendar import today_in_new_york
    from jobs.oncall.history import find_history

    if runs:
        if float_id or user_id or run_id or audit:
            raise UsageError("--runs goes with --last and --date (the newest night) only")
        _render_nights(ctx.obj, opt.run_date(date_), last)
        return

    chosen = [x for x in (float_id, user_id, run_id) if x is not None] + (
        [date_] if date_ and not audit else []
    )
    if len(chosen) != 1 and not audit:
        raise UsageError("give exactly one of --float, --user, --run, --date (or --audit)")
    if audit and (float_id or user_id or run_id):
        raise UsageError("--audit goes with --date only")
    app_ctx = ctx.obj
    if audit:
        day = opt.run_date(date_) if date_ else today_in_new_york()
    elif float_id is None and user_id is None and run_id is None:
        day = opt.run_date(date_)
    else:
        day = None
    found = find_history(
        app_ctx.runtime(), float_id=float_id, user_id=user_id, run_id=run_id, day=day, audit_only=audit
    )
    _render(app_ctx.output, found.runs, found.events, found.audits)


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
                    r.started_at,
                    r.started_by,
                    " ".join(f"{k}={v}" for k, v in sorted(r.counts.items())),
                    dollars(r.submitted_amount_cents),
                )
                for r in runs
            ],
            title=plural(len(runs), "run"),
            drop_first=("due", "by", "started", "run date"),
        )
    if events:
        out.table(
            ("at", "float", "user", "run", "outcome", "amount", "due", "payment", "reason"),
            [
                (
                    e.event_at,
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
            title=plural(len(events), "event"),
            drop_first=("user", "due", "at", "run", "reason"),
        )
    if audits:
        out.table(
            ("at", "actor", "action", "target", "reason", "trace_id"),
            [(a.at, a.actor, a.action, a.target, a.reason, a.trace_id or "-") for a in audits],
            title=f"audit ({plural(len(audits), 'entry', 'entries')})",
            drop_first=("trace_id",),
        )
    if not (runs or events or audits):
        out.info("nothing recorded")


def _render_nights(app_ctx, newest, last: int) -> None:
    """`history --runs`: one row per run of the last `last` nights (and per night with no run)."""
    from jobs.oncall.runs import recent_nights, run_rows

    out = app_ctx.output
    rows = run_rows(recent_nights(app_ctx.runtime(), newest, last))
    if out.is_json:
        out.json({"env": app_ctx.env, "newest": newest.isoformat(), "last": last, "runs": rows})
        return
    out.table(
        ("date", "status", "duration", "counts", "amount", "started by", "run"),
        [
            (
                r["run_date"],
                r["status"],
                "-" if r["duration_s"] is None else duration(r["duration_s"]),
                " ".join(f"{k}={v}" for k, v in sorted(r["counts"].items())),
                dollars(r["submitted_amount_cents"]),
                r["started_by"] or "-",
                r["run_id"] or "-",
            )
            for r in rows
        ],
        title=f"runs of the last {last} nights up to {newest}",
        drop_first=("started by", "counts"),
    )

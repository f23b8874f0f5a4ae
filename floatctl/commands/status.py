"""`floatctl status`: did tonight's fire run, what holds the job lock, and what to do now."""

from __future__ import annotations

import os
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
    from jobs import clock
    from jobs.oncall.facts import gather, status_document, status_fields
    from jobs.oncall.runs import run_logs_url
    from jobs.oncall.schedule_control import schedule_notice

    app_ctx = ctx.obj
    out = app_ctx.output
    now = clock.now()
    run_date = opt.run_date(date_) if date_ else None
    facts = gather(app_ctx.runtime(), now, run_date)
    document = status_document(facts)
    runtime = app_ctx.runtime()
    notice = schedule_notice(runtime, facts)
    document["schedule_notice"] = notice.as_json() if notice else None
    document["logs_url"] = run_logs_url(runtime, facts.latest_run, os.environ)
    if out.is_json:
        out.json(document)
        return
    out.banner(app_ctx.env)
    if notice:
        out.warn(notice.text)
    out.fields(status_fields(facts, document), title="day-before-ach status")
    out.line()
    out.line(document["advice"])
    if document["logs_url"]:
        out.line(f"logs: {document['logs_url']}")

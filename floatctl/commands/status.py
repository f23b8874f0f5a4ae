"""`floatctl status`: did tonight's fire run, what holds the job lock, and what to do now."""

from __future__ import annotations

import os

import typer

from floatctl.commands import options as opt


def status(
    ctx: typer.Context,
    date_: opt.NightDate = None,
) -> None:
    """The schedule, the last expected fire and its run, the job lock, running tasks, cutoff, advice."""
    from jobs import clock
    from jobs.oncall.facts import gather
    from jobs.oncall.runs import run_logs_url
    from jobs.oncall.schedule_control import schedule_notice
    from jobs.oncall.status import status_document, status_fields

    app_ctx = ctx.obj
    out = app_ctx.output
    now = clock.now()
    facts = gather(app_ctx.runtime(), now, opt.night_date(date_))
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

"""`floatctl recover day-before-ach`: one diagnosis, one safe action, performed on confirmation."""

from __future__ import annotations

from typing import Annotated

import typer

from floatctl.commands import options as opt
from jobs.errors import RefusedError

app = typer.Typer(help="Diagnose tonight's run and take the one safe next action.", no_args_is_help=True)


@app.command("day-before-ach")
def day_before_ach(
    ctx: typer.Context,
    date_: opt.NightDate = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="act without asking")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="diagnose only")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="follow a launched task to its exit code")] = False,
    after_cutoff: Annotated[
        bool, typer.Option("--after-cutoff", help="allow a launch past 21:00 ET")
    ] = False,
    early: opt.Early = False,
    reason: Annotated[str | None, typer.Option("--reason", help="why (audited; required in prod)")] = None,
    approved_by: opt.ApprovedBy = None,
    poll_s: Annotated[
        float, typer.Option("--poll", min=0.1, help="--wait: seconds between DescribeTasks calls")
    ] = 2.0,
) -> None:
    """Never fired, failed, interrupted, died, running, or succeeded -- and what to do about it."""
    from floatctl.confirm import confirm
    from jobs import clock
    from jobs.oncall.policy import check_approval, check_reason, past_cutoff
    from jobs.oncall.recover import NOTHING, TELL_FINANCE, diagnose, perform

    app_ctx = ctx.obj
    out = app_ctx.output
    out.banner(app_ctx.env)
    now = clock.now()
    runtime = app_ctx.runtime()
    diagnosis = diagnose(runtime, now, opt.night_date(date_), after_cutoff, early)
    run_date = diagnosis.run_date
    document = diagnosis.as_json()
    rerun = late = None
    if diagnosis.acts or diagnosis.action == TELL_FINANCE:  # past the cutoff: the numbers to decide on
        from floatctl.commands.launch import late_impact, show_late_impact

        late = document["late"] = late_impact(app_ctx, runtime, run_date, now)
    if diagnosis.acts and dry_run:  # what the relaunch would do, in money, before anyone says yes
        from jobs.oncall.rerun import plan_rerun

        rerun = document["rerun"] = plan_rerun(runtime, app_ctx.settings, run_date)
    if out.is_json:
        out.json(document)
    else:
        out.line(f"run date {run_date}: {diagnosis.state}: {diagnosis.explanation}")
        command = diagnosis.diagnosis.command
        out.line(f"next action: {diagnosis.action}" + (f": {command}" if command else ""))
        if rerun is not None:
            _show_rerun(out, rerun)
        if late is not None:
            show_late_impact(out, late)
    if yes and not dry_run and not diagnosis.acts and diagnosis.action != NOTHING:
        # Asked to act, and it could not (a run is in progress, the cutoff passed): say so in the code.
        raise RefusedError(f"nothing done: the next action is {diagnosis.action}, not one recover can take")
    if not diagnosis.acts or dry_run:
        return
    reason = check_reason(app_ctx.env, "recover", reason)
    approved_by = check_approval(app_ctx.env, approved_by, past_cutoff(run_date, now))
    confirm(app_ctx, f"{diagnosis.action} for run date {run_date} in {app_ctx.env}?", yes)
    result = perform(runtime, diagnosis, now, reason, after_cutoff, early, approved_by)
    if "released" in result:
        out.info(f"released {result['released']}")
    out.info(f"launched {result['task_arn']}")
    if wait:
        from floatctl.commands.launch import follow_and_report

        raise typer.Exit(follow_and_report(app_ctx, runtime, result["task_arn"], run_date, 180, poll_s))


def _show_rerun(out, rerun) -> None:
    from floatctl.output import dollars, duration, plural

    out.line()
    out.table(
        ("float_id", "amount", "due_date", "kind", "attempts"),
        [
            (f["float_id"], dollars(f["amount_cents"]), f["due_date"], f["kind"], f["attempts"])
            for f in rerun["floats"]
        ],
        title="the relaunch would submit",
    )
    for kind, t in rerun["by_kind"].items():
        out.line(f"  {kind}: {plural(t['count'], 'float')} {dollars(t['amount_cents'])}")
    timing, total = rerun["timing"], rerun["total"]
    fits = "fits" if timing["fits"] else "DOES NOT FIT"
    out.line(
        f"{plural(total['count'], 'submission')} {dollars(total['amount_cents'])} at {timing['rate_per_s']:g}/s "
        f"need {duration(timing['needed_s'])}; {duration(max(timing['seconds_to_cutoff'], 0))} to the 21:00 ET cutoff: {fits}"
    )

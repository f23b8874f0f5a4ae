"""`floatctl launch day-before-ach`: recover a missed fire safely, and follow the task to its exit code."""

from __future__ import annotations

from typing import Annotated

import typer

from floatctl.commands import options as opt

app = typer.Typer(help="Start a batch task by hand (a missed-fire recovery).", no_args_is_help=True)


@app.command("day-before-ach")
def day_before_ach(
    ctx: typer.Context,
    date_: opt.NightDate = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show the checks and the exact RunTask request")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="follow the task to its exit code and exit with it")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    after_cutoff: Annotated[
        bool, typer.Option("--after-cutoff", help="launch even past the 21:00 ET cutoff")
    ] = False,
    early: opt.Early = False,
    timeout_min: Annotated[
        float, typer.Option("--timeout", min=1, help="--wait gives up after this many minutes")
    ] = 180,
    poll_s: Annotated[
        float, typer.Option("--poll", min=0.1, help="seconds between DescribeTasks calls")
    ] = 2.0,
    shards: Annotated[
        int,
        typer.Option(
            "--shards", min=1, max=16, help="start N tasks, each paging 1/N of the floats at rate/N"
        ),
    ] = 1,
    reason: Annotated[str | None, typer.Option("--reason", help="why (audited; required in prod)")] = None,
    approved_by: opt.ApprovedBy = None,
) -> None:
    """Check the guards, show the RunTask request copied from the schedule, confirm, launch."""
    from jobs import clock
    from jobs.oncall.launch import plan_launch, start_launches
    from jobs.oncall.policy import check_approval, check_reason
    from jobs.oncall.run_task import shard_requests

    app_ctx = ctx.obj
    out = app_ctx.output
    out.banner(app_ctx.env)
    now = clock.now()
    runtime = app_ctx.runtime()
    plan = plan_launch(runtime, now, opt.night_date(date_), after_cutoff, early)
    run_date = plan.run_date
    checks = plan.checks
    requests = shard_requests(plan.request, shards)
    request = requests[0] if shards == 1 else requests
    refusal = plan.refusal()
    # Past the cutoff, the numbers to decide on: also when only --after-cutoff is missing (as recover).
    late = late_impact(app_ctx, runtime, run_date, now) if plan.late and plan.only_late_refused() else None
    if out.is_json and (dry_run or refusal):
        out.json(
            {
                "env": app_ctx.env,
                "run_date": run_date.isoformat(),
                "dry_run": dry_run,
                "checks": [c.__dict__ for c in checks],
                "request": request,
                "refused": bool(refusal),
                "late": late,
            }
        )
    elif not out.is_json:
        _show_checks(out, checks)
        if dry_run:
            out.line()
            out.line("RunTask request:" if shards == 1 else f"RunTask requests ({shards} shards):")
            from floatctl.output import to_json

            out.line(to_json(request))
    show_late_impact(out, late)
    if refusal:
        raise refusal
    for check in checks:
        if not check.ok:
            out.warn(f"{check.name}: {check.detail}")
    if dry_run:
        return
    reason = check_reason(app_ctx.env, "launch", reason)
    approved_by = check_approval(app_ctx.env, approved_by, plan.late)
    from floatctl.confirm import confirm

    what = "day-before-ach" if shards == 1 else f"day-before-ach as {shards} shards"
    confirm(app_ctx, f"launch {what} for run date {run_date} in {app_ctx.env}?", yes)
    task_arns = start_launches(runtime, plan, reason, shards, approved_by)
    for task_arn in task_arns:
        out.info(f"launched {task_arn}")
    if not wait:
        if out.is_json:
            out.json({"task_arn": task_arns[0], "task_arns": task_arns, "request": request, "late": late})
        else:
            out.line("\n".join(task_arns))
        return
    codes = [follow_and_report(app_ctx, runtime, arn, run_date, timeout_min, poll_s) for arn in task_arns]
    raise typer.Exit(max(codes))


def _show_checks(out, checks) -> None:
    out.table(
        ("check", "result", "detail"),
        [(c.name, "ok" if c.ok else ("FAIL" if c.blocking else "WARN"), c.detail) for c in checks],
        title="launch checks",
    )


def follow_and_report(app_ctx, runtime, task_arn, run_date, timeout_min, poll_s) -> int:
    """Follow one task to its exit code, a line per change on stderr (JSON at the end with -o json)."""
    from jobs.oncall.launch import follow_launch

    out = app_ctx.output
    last = {}

    def show(update) -> None:
        counts = ", ".join(f"{k}={v}" for k, v in sorted((update.counts or {}).items()))
        line = f"task {update.last_status}" + (
            f"; run {update.run_status} {counts}" if update.run_status else ""
        )
        if update.last_status == "STOPPED":
            line += f"; exit code {update.exit_code} ({update.stopped_reason})"
        out.info(line)
        last["update"] = update

    code = follow_launch(runtime, task_arn, run_date, show, timeout_s=timeout_min * 60, poll_s=poll_s)
    logs = _logs_url(runtime, run_date, task_arn)
    if logs:
        out.info(f"logs: {logs}")
    if out.is_json:
        update = last.get("update")
        out.json(
            {
                "task_arn": task_arn,
                "exit_code": code,
                "run_status": update.run_status if update else None,
                "counts": update.counts if update else None,
                "logs_url": logs,
            }
        )
    return code


def late_impact(app_ctx, runtime, run_date, now):
    """Past the run date's cutoff: each float's settlement if launched now; None before the cutoff."""
    from jobs.oncall.late import plan_late
    from jobs.oncall.policy import past_cutoff

    return plan_late(runtime, app_ctx.settings, run_date, now) if past_cutoff(run_date, now) else None


def show_late_impact(out, late) -> None:
    """The late launch's numbers for people (JSON output carries them as `late` instead)."""
    from floatctl.output import dollars, plural

    if late is None or out.is_json:
        return
    out.table(
        ("float_id", "amount", "due_date", "settles", "days_late"),
        [
            (
                f["float_id"],
                dollars(f["amount_cents"]),
                f["due_date"],
                f["expected_settlement"],
                f["days_late"],
            )
            for f in late["floats"]
        ],
        title=f"past the 21:00 ET cutoff: launched now, ACH settles {late['expected_settlement']}",
    )
    slip = late["slipping"]
    out.line(
        f"{plural(slip['count'], 'float')} {dollars(slip['amount_cents'])} would settle after their due date "
        f"(of {plural(late['total']['count'], 'submission')} {dollars(late['total']['amount_cents'])})"
    )


def _logs_url(runtime, run_date, task_arn) -> str | None:
    """The Datadog logs link of the run the task wrote (launch --wait, recover --wait)."""
    import os

    from jobs.oncall.runs import run_logs_url, task_run

    return run_logs_url(runtime, task_run(runtime, run_date, task_arn), os.environ)

"""`floatctl stop`: end a running batch through its SIGTERM drain, audited, and wait for INTERRUPTED."""

from __future__ import annotations

from typing import Annotated

import typer

from floatctl.commands import options as opt


def stop(
    ctx: typer.Context,
    date_: Annotated[
        str | None, typer.Option("--date", help="the run date whose run to stop (default: the last fire's)")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="why you stop it (required; audited)")] = "",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be stopped")] = False,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="send StopTask and return without waiting for the drain")
    ] = False,
    timeout_s: Annotated[
        float, typer.Option("--timeout", min=1, help="seconds to wait for the run record to end")
    ] = 120,
    poll_s: Annotated[float, typer.Option("--poll", min=0.1, help="seconds between polls")] = 1.0,
) -> None:
    """Send ECS StopTask (SIGTERM, then SIGKILL after stopTimeout) and wait for the run to end INTERRUPTED."""
    from jobs import clock
    from jobs.oncall.policy import check_reason
    from jobs.oncall.stop import plan_stop, stop_tasks, wait_stopped

    app_ctx = ctx.obj
    out = app_ctx.output
    out.banner(app_ctx.env)
    runtime = app_ctx.runtime()
    plan = plan_stop(runtime, clock.now(), opt.run_date(date_) if date_ else None)
    run = plan.run
    what = f"run {run.run_id} ({run.status})" if run else "the running task"
    refusal = plan.refusal()
    if dry_run or refusal:
        if out.is_json:
            out.json(
                {
                    "env": app_ctx.env,
                    "run_date": plan.run_date.isoformat(),
                    "run_id": run.run_id if run else None,
                    "task_arns": plan.task_arns,
                    "refused": refusal.message if refusal else None,
                }
            )
        else:
            for arn in plan.task_arns:
                out.line(f"would stop {arn} ({what}, run date {plan.run_date})")
        if refusal:
            raise refusal
        return
    reason = check_reason(app_ctx.env, "stop", reason)
    from floatctl.confirm import confirm

    confirm(app_ctx, f"stop {what} of run date {plan.run_date} in {app_ctx.env} (it drains, then ends)?", yes)
    for arn in stop_tasks(runtime, plan, reason):
        out.info(f"StopTask sent to {arn}: SIGTERM now, SIGKILL after the task's stopTimeout")
    if no_wait:
        return
    result = wait_stopped(runtime, plan, timeout_s=timeout_s, poll_s=poll_s, on_update=out.info)
    if out.is_json:
        out.json(
            {
                "run_id": result.run_id,
                "run_status": result.run_status,
                "outcome": result.outcome,
                "exit_codes": result.exit_codes,
                "counts": result.counts,
            }
        )
    sentence = result.sentence(plan, clock.now())
    if result.ok:  # drained, or it ended by itself meanwhile: say what happened
        out.info(sentence)
        return
    out.warn(sentence)
    raise typer.Exit(1)

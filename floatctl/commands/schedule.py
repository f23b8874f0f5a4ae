"""`floatctl schedule pause|resume --reason`: switch the 19:00 fire off and on, audited."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Pause or resume the EventBridge Scheduler schedule (audited).", no_args_is_help=True)

Reason = Annotated[str, typer.Option("--reason", help="why (required; goes to the audit ledger)")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="show the state it would change; change nothing")]


def _dry_run(app_ctx, verb: str) -> None:
    from jobs.oncall.schedule_control import STATES

    out = app_ctx.output
    name = app_ctx.settings.schedule_name
    state = app_ctx.runtime().schedule().read().state
    after = STATES[verb]
    if out.is_json:
        out.json({"schedule": name, "before": state, "after": after, "changed": state != after})
    elif state != after:
        out.line(f"would set schedule {name} from {state} to {after}")
    else:
        out.line(f"schedule {name} is already {state}; {verb} would change nothing")


def _change(ctx: typer.Context, verb: str, reason: str, yes: bool, dry_run: bool) -> None:
    from floatctl.confirm import confirm
    from jobs.oncall.policy import check_reason
    from jobs.oncall.schedule_control import set_schedule_state

    app_ctx = ctx.obj
    out = app_ctx.output
    if dry_run:
        _dry_run(app_ctx, verb)
        return
    reason = check_reason(app_ctx.env, f"schedule.{verb}", reason) or ""
    name = app_ctx.settings.schedule_name
    confirm(app_ctx, f"{verb} schedule {name} in {app_ctx.env}?", yes)
    change = set_schedule_state(app_ctx.runtime(), verb, reason)
    if out.is_json:
        out.json(
            {
                "schedule": change.name,
                "before": change.before,
                "after": change.after,
                "changed": change.changed,
            }
        )
    elif not change.changed:
        out.info(f"schedule {change.name} is already {change.after}; nothing changed")
    elif verb == "pause":
        out.info(
            f"schedule {change.name} PAUSED ({change.before} -> {change.after}); audited as {change.operator}"
        )
        from jobs.oncall.commands import schedule_resume

        out.warn(f"nothing fires by itself until {schedule_resume(app_ctx.env)}")
    else:
        out.info(
            f"schedule {change.name} resumed ({change.before} -> {change.after}); audited as {change.operator}"
        )


@app.command("pause")
def pause(ctx: typer.Context, reason: Reason = "", yes: Yes = False, dry_run: DryRun = False) -> None:
    """Set the schedule DISABLED (every other field passed back unchanged)."""
    _change(ctx, "pause", reason, yes, dry_run)


@app.command("resume")
def resume(ctx: typer.Context, reason: Reason = "", yes: Yes = False, dry_run: DryRun = False) -> None:
    """Set the schedule ENABLED again."""
    _change(ctx, "resume", reason, yes, dry_run)

"""`floatctl watch day-before-ach`: check tonight's run at 19:20 / 20:15 ET and page once if it is in trouble."""

from __future__ import annotations

from typing import Annotated

import typer

from floatctl.commands import options as opt

app = typer.Typer(help="Watch a night's run and page (SNS) once when it goes wrong.", no_args_is_help=True)


@app.command("day-before-ach")
def day_before_ach(
    ctx: typer.Context,
    date_: opt.NightDate = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="decide, but publish nothing")] = False,
) -> None:
    """Exit 0 on a healthy (or non-business) night; 1 when it is in trouble (paged now or earlier)."""
    from jobs import clock
    from jobs.oncall.watch import watch

    app_ctx = ctx.obj
    out = app_ctx.output
    result = watch(
        app_ctx.runtime(), clock.now(), opt.night_date(date_), dry_run=dry_run, previews=app_ctx.previews()
    )
    verdict = result.verdict
    if out.is_json:
        out.json(result.as_json())
    else:
        out.banner(app_ctx.env)
        out.line(f"run date {verdict.run_date}: {verdict.state}: {verdict.why}")
        if verdict.page:
            out.line(verdict.message)
    if result.paged:
        out.info(f"paged: SNS message {result.message_id}")
    elif result.already_paged_at:
        out.info(f"already paged for this night at {_when(result.already_paged_at)}: not paging again")
    elif verdict.page:
        out.info("dry run: nothing published")
    raise typer.Exit(1 if verdict.page else 0)


def _when(paged_at: str) -> str:
    """The page's ISO time as New York time for people (the ledger may not know it: `?`)."""
    from floatctl.output import moment

    try:
        return moment(paged_at)
    except ValueError:
        return "an unknown time"

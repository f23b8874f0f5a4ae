"""`floatctl run day-before-ach`: the batch, as the scheduled container runs it."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import sys
from typing import Annotated

import typer

from floatctl.commands import options as opt
from floatctl.output import dollars

app = typer.Typer(help="Run a batch job.", no_args_is_help=True)


@app.command("day-before-ach")
def day_before_ach(
    ctx: typer.Context,
    date_: opt.RunDate = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="evaluate only: no lock, no write, no payment")
    ] = False,
    payment_submit_rate: opt.Rate = None,
    workers: opt.Workers = None,
    page_size: opt.PageSize = None,
    channel_buffer: opt.ChannelBuffer = None,
    max_ach_attempts: opt.MaxAttempts = None,
    shard_index: opt.ShardIndex = None,
    shard_count: opt.ShardCount = None,
) -> None:
    """Page the due SCHEDULING floats, apply the rules, and submit next-day ACH where needed."""
    from floatctl import logs
    from jobs.batch.options import BatchOptions

    app_ctx = ctx.obj
    out = app_ctx.output
    knobs = app_ctx.base_settings.knobs(
        payment_submit_rate=payment_submit_rate,
        workers=workers,
        page_size=page_size,
        channel_buffer=channel_buffer,
        max_ach_attempts=max_ach_attempts,
        shard_index=shard_index,
        shard_count=shard_count,
    )
    options = BatchOptions(run_date=opt.run_date(date_), **knobs)
    out.banner(app_ctx.env)
    if dry_run:
        logs.setup(out.verbose, stream=sys.stderr if out.is_json else None, env=app_ctx.env)
        _dry_run(app_ctx, options)
        return
    from jobs.batch.options import StopSignal
    from jobs.observe import telemetry as telemetry_mod

    # First, before the slow set-up (ddtrace, pools): a SIGTERM from here on ends in the drain
    # (INTERRUPTED, 143), not in the default action that would leave no record of the stop.
    stop = StopSignal()
    previous = {
        s: signal.signal(s, lambda signum, _frame: stop.request(signum))
        for s in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        # Before any adapter exists: ddtrace patches psycopg, botocore and urllib3 here.
        telemetry = telemetry_mod.setup(app_ctx.env)
        logs.setup(
            out.verbose,
            stream=sys.stderr if out.is_json else None,
            context=telemetry.tracing.log_context,
            env=app_ctx.env,
        )
        try:
            summary = _real_run(app_ctx, options, telemetry, stop)
        finally:
            telemetry.close()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    _show_summary(out, summary)
    raise typer.Exit(summary.exit_code)


def _identity(settings):
    from jobs.adapters import ecs_metadata
    from jobs.adapters.liveness import this_owner_task
    from jobs.batch.options import Identity

    # On Fargate the task ARN names the lock owner, so a STOPPED task's locks are provably free.
    task_arn = settings.task_arn or ecs_metadata.task_arn()
    started_by = os.environ.get("FLOATCTL_STARTED_BY") or (
        "schedule" if task_arn else f"cli:{getpass.getuser()}@{socket.gethostname()}"
    )
    return Identity(this_owner_task(task_arn), started_by, task_arn)


def _real_run(app_ctx, options, telemetry, stop):
    from floatctl.progress import RunProgress
    from jobs.batch.run import Run
    from jobs.runtime import Runtime

    # Every worker and submitter may hold a connection at once: none is opened and dropped per call.
    threads = options.workers + options.submitter_count
    runtime = Runtime.from_settings(app_ctx.settings, pool_size=options.workers + 2, threads=threads)
    try:
        with RunProgress(
            enabled=app_ctx.output.stdout_is_tty and not app_ctx.output.is_json, options=options
        ) as progress:
            run = Run(
                options,
                lambda: runtime.adapters(options.shard_rate),
                _identity(app_ctx.settings),
                stop,
                on_outcome=progress.advance,
                telemetry=telemetry,
                on_finished=lambda record: _tell_finance(app_ctx, runtime, record),
            )
            return run.execute()
    finally:
        runtime.close()


def _tell_finance(app_ctx, runtime, record) -> None:
    """The night's summary to finance's topic, inside the run's trace; never changes the exit code."""
    from jobs.finance.summary import publish

    publish(runtime, record, app_ctx.previews())


def _dry_run(app_ctx, options):
    from jobs.finance.preview import build_preview
    from jobs.runtime import Runtime

    runtime = Runtime.from_settings(app_ctx.settings, pool_size=options.workers + 2)
    try:
        preview = build_preview(options, runtime.sources(), workers=options.workers, locks=runtime.locks())
    finally:
        runtime.close()
    out = app_ctx.output
    if out.is_json:
        out.json({**preview.as_json(app_ctx.env), "dry_run": True})
        return
    out.table(
        ("verdict", "count", "amount"),
        [(v, t["count"], dollars(t["amount_cents"])) for v, t in preview.totals().items()],
        title=f"dry run for {options.run_date} (window {options.window.start}..{options.window.end})",
    )


def _show_summary(out, summary) -> None:
    if out.is_json:
        out.json(summary.as_json())
        return
    if out.format == "table" and not out.stdout_is_tty:
        return  # the container: the run's own `run finished` log line (jobs.batch.run) carries the summary
    rows = [(k, v) for k, v in sorted(summary.counts.items())]
    rows.append(("submitted amount", dollars(summary.submitted_amount_cents)))
    out.table(
        ("outcome", "floats"),
        rows,
        title=f"run {summary.run_id}: {summary.status} (window {summary.window.start}..{summary.window.end})",
    )
    if summary.error:
        out.error(summary.error)

"""`floatctl sandbox ...`: the embedded environment (PostgreSQL, moto, the service simulator)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from floatctl.help import CommandGroup
from floatctl.output import dollars, plural
from jobs.errors import UsageError

app = typer.Typer(
    help="The embedded sandbox: a real PostgreSQL, a moto server and the service simulator.",
    no_args_is_help=True,
)
faults_app = typer.Typer(
    help="Latency and failures injected by the Payments/User simulator.", no_args_is_help=True
)
app.add_typer(faults_app, name="faults", cls=CommandGroup)


def _dir(ctx: typer.Context) -> Path:
    from floatctl_sandbox.state import sandbox_dir

    if ctx.obj.env != "sandbox":
        raise UsageError(f"sandbox commands act on the sandbox only, not env {ctx.obj.env!r}")
    return sandbox_dir(ctx.obj.base_settings)


def _show(ctx: typer.Context, info: dict) -> None:
    out = ctx.obj.output
    if out.is_json:
        out.json(info)
    else:
        out.fields([(k, v) for k, v in info.items() if k != "databases"], title="sandbox")


@app.command()
def up(
    ctx: typer.Context,
    floats: Annotated[
        int | None, typer.Option("--floats", help="reseed with this many floats", min=0)
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="reseed with this random seed")] = None,
) -> None:
    """Start the sandbox (seeding it when empty, or when --floats/--seed is given)."""
    from floatctl_sandbox import actions

    _dir(ctx)
    app_ctx = ctx.obj
    sandbox = app_ctx.sandbox()
    if floats is None and seed is None:
        actions.seed_if_needed(app_ctx, sandbox)
    else:
        summary = actions.seed_default(
            app_ctx,
            sandbox,
            floats if floats is not None else actions.DEFAULT_FLOATS,
            seed if seed is not None else actions.DEFAULT_SEED,
        )
        app_ctx.output.info(f"seeded {summary['floats']} floats for run date {summary['run_date']}")
    _show(ctx, sandbox.as_json())


@app.command()
def status(ctx: typer.Context) -> None:
    """Whether the sandbox runs, and its endpoints."""
    from floatctl_sandbox.control import find

    directory = _dir(ctx)
    sandbox = find(directory)
    _show(ctx, sandbox.as_json() if sandbox else {"running": False, "dir": str(directory)})


@app.command("seed")
def seed_cmd(
    ctx: typer.Context,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="a scenario JSON file (docs/sandbox.md)")
    ] = None,
    floats: Annotated[int, typer.Option("--floats", help="number of floats in the default seed", min=0)] = 48,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the default seed")] = 7,
    date_: Annotated[
        str | None, typer.Option("--date", help="run date the seed targets (default: today, NY)")
    ] = None,
) -> None:
    """Replace all sandbox data: the default seed, or a scenario file."""
    from floatctl_sandbox import actions

    _dir(ctx)
    app_ctx = ctx.obj
    if from_file is not None:
        from floatctl_sandbox.scenario import load_scenario

        load_scenario(from_file)  # validate before touching the running sandbox
        scenario = actions.seed_from_file(app_ctx, app_ctx.sandbox(), from_file)
        app_ctx.output.info(
            f"loaded {from_file}: {len(scenario.floats)} floats, {len(scenario.cards)} cards, "
            f"{len(scenario.history)} history events, {len(scenario.locks)} locks"
        )
        return
    run_date = None
    if date_ is not None:
        from jobs.domain.calendar import parse_run_date

        try:
            run_date = parse_run_date(date_)
        except ValueError as exc:
            raise UsageError(f"--date: {exc}") from None
    summary = actions.seed_default(app_ctx, app_ctx.sandbox(), floats, seed, run_date)
    if app_ctx.output.is_json:
        app_ctx.output.json(summary)
    else:
        app_ctx.output.info(f"seeded {summary['floats']} floats for run date {summary['run_date']}")


@app.command()
def payments(ctx: typer.Context) -> None:
    """Every payment the simulator holds (the ground truth for exactly-once checks)."""
    from floatctl_sandbox import actions

    _dir(ctx)
    rows = actions.payments(ctx.obj.sandbox())
    out = ctx.obj.output
    if out.is_json:
        out.json(rows)
        return
    columns = ("payment_id", "float_id", "user_id", "amount", "effective_date", "created_at")
    out.table(
        columns,
        [
            (
                r["payment_id"],
                r["float_id"],
                r["user_id"],
                dollars(r["amount_cents"]),
                r["effective_date"],
                r["created_at"],
            )
            for r in rows
        ],
        title=plural(len(rows), "payment"),
        drop_first=("created_at", "user_id", "effective_date"),
    )


@app.command()
def alerts(
    ctx: typer.Context,
    finance: Annotated[
        bool, typer.Option("--finance", help="the finance topic's summaries instead of the watch's pages")
    ] = False,
) -> None:
    """Every message published to the alert topic, or the finance topic (read from the SQS inbox
    subscribed to it; nothing is removed)."""
    import json

    from floatctl_sandbox.provision import alert_inbox_name, finance_inbox_name

    _dir(ctx)
    app_ctx = ctx.obj
    inbox = (finance_inbox_name if finance else alert_inbox_name)(app_ctx.settings)
    rows = []
    for message in app_ctx.runtime().queue(inbox).peek():
        envelope = json.loads(message["Body"])  # SNS's JSON envelope (no raw delivery)
        rows.append(
            {
                "message_id": envelope.get("MessageId"),
                "sent_at": envelope.get("Timestamp"),
                "topic_arn": envelope.get("TopicArn"),
                "subject": envelope.get("Subject"),
                "message": envelope.get("Message"),
            }
        )
    rows.sort(key=lambda r: r["sent_at"] or "")
    out = app_ctx.output
    if out.is_json:
        out.json(rows)
        return
    out.table(
        ("sent", "subject"),
        [(_parsed(r["sent_at"]), r["subject"]) for r in rows],
        title=plural(len(rows), "alert"),
    )


@app.command()
def down(ctx: typer.Context) -> None:
    """Stop the sandbox and every process it started (data stays on disk)."""
    from floatctl_sandbox.control import stop

    stopped = stop(_dir(ctx))
    ctx.obj.output.info("sandbox stopped" if stopped else "sandbox was not running")


@app.command()
def reset(
    ctx: typer.Context,
    floats: Annotated[int, typer.Option("--floats", min=0, help="number of floats in the default seed")] = 48,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the default seed")] = 7,
) -> None:
    """Fresh data: clear payments, history and locks and load the default seed."""
    from floatctl_sandbox import actions

    _dir(ctx)
    app_ctx = ctx.obj
    sandbox = app_ctx.sandbox()
    actions.faults_request(sandbox, "DELETE")
    summary = actions.seed_default(app_ctx, sandbox, floats, seed)
    app_ctx.output.info(f"sandbox reset: {summary['floats']} floats for run date {summary['run_date']}")


@faults_app.command("set")
def faults_set(
    ctx: typer.Context,
    assignments: Annotated[list[str], typer.Argument(help="KEY=VALUE, e.g. payments.error_rate=0.2")],
) -> None:
    """Change faults at once, no restart (latency, 503s, 429s with Retry-After, timeouts)."""
    from floatctl_sandbox import actions
    from floatctl_sandbox.faults import parse_assignments

    _dir(ctx)
    try:
        changes = parse_assignments(assignments)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    ctx.obj.output.json(actions.faults_request(ctx.obj.sandbox(), "PUT", changes))


@faults_app.command("clear")
def faults_clear(ctx: typer.Context) -> None:
    """Remove every injected fault."""
    from floatctl_sandbox import actions

    _dir(ctx)
    ctx.obj.output.json(actions.faults_request(ctx.obj.sandbox(), "DELETE"))


@faults_app.command("show")
def faults_show(ctx: typer.Context) -> None:
    """The faults in force."""
    from floatctl_sandbox import actions

    _dir(ctx)
    ctx.obj.output.json(actions.faults_request(ctx.obj.sandbox(), "GET"))


def _parsed(timestamp: str | None) -> datetime | None:
    """SNS's `Timestamp` (ISO 8601 UTC) as a moment, which tables print in New York time."""
    try:
        return datetime.fromisoformat(timestamp) if timestamp else None
    except ValueError:
        return None

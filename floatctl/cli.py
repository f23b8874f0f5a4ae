"""The typer root: global options, the command groups, and errors turned into one line + exit code."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from floatctl.commands import (
    calendar,
    diff,
    history,
    launch,
    locks,
    preflight,
    preview,
    recover,
    run,
    sandbox,
    schedule,
    status,
    stop,
    tui,
    version,
)
from floatctl.context import AppContext
from floatctl.output import FORMATS, Output
from floatctl.plain_coercion import PlainGroup
from jobs.errors import EXIT_SIGINT, EXIT_USAGE, FloatctlError


class FloatctlGroup(PlainGroup):
    """Maps the project's errors to a one-line message and its exit code, for every command."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Usage errors as one plain line (`error: ...`) with exit code 2, not a framed box."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except typer.TyperException as exc:
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            if not message.strip() and hasattr(exc, "show"):  # no_args_is_help: the help is the message
                exc.show()
                sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
            Output().error(
                " ".join(message.split()), "see floatctl -h" if getattr(exc, "exit_code", 2) == 2 else None
            )
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        except typer.Abort:
            Output().error("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except FloatctlError as exc:
            Output().error(exc.message, exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            Output().error("interrupted")
            raise typer.Exit(EXIT_SIGINT) from None
        except (typer.Exit, typer.Abort, typer.TyperException, BrokenPipeError):
            raise
        except Exception as exc:  # a bug or an unexpected dependency failure: still one line
            verbose = bool(ctx.obj and ctx.obj.output.verbose)
            if verbose:
                raise
            Output().error(f"{type(exc).__name__}: {exc}", "run again with -v for the traceback")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=FloatctlGroup,
    help="Run and operate the day-before-ach collections batch.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _check_output(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}")
    return value


@app.callback()
def root(
    ctx: typer.Context,
    env: Annotated[
        str | None,
        typer.Option("--env", help="sandbox (default), test or prod; FLOATCTL_ENV", show_default=False),
    ] = None,
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="table, json, csv, markdown or plain", callback=_check_output),
    ] = "table",
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="more detail on stderr")] = 0,
) -> None:
    """floatctl: the day-before-ach batch, its preview, and the on-call tools around it."""
    from jobs.settings import Settings

    settings = Settings.load(env=env)  # a bad --env or FLOATCTL_* value: a one-line UsageError
    ctx.obj = AppContext(settings, Output(format=output, verbose=verbose))
    ctx.call_on_close(ctx.obj.close)


app.add_typer(run.app, name="run", cls=PlainGroup)
app.command("preview")(preview.preview)
app.command("status")(status.status)
app.add_typer(launch.app, name="launch", cls=PlainGroup)
app.add_typer(locks.app, name="locks", cls=PlainGroup)
app.command("stop")(stop.stop)
app.add_typer(schedule.app, name="schedule", cls=PlainGroup)
app.command("history")(history.history)
app.command("tui")(tui.tui)
app.command("preflight")(preflight.preflight)
app.add_typer(calendar.app, name="calendar", cls=PlainGroup)
app.command("diff")(diff.diff)
app.add_typer(recover.app, name="recover", cls=PlainGroup)
app.add_typer(sandbox.app, name="sandbox", cls=PlainGroup)
app.command("version")(version.version)


def main() -> None:
    """Console entry point."""
    try:
        app(prog_name="floatctl")
    except BrokenPipeError:  # `floatctl ... | head`: the reader left; not an error
        sys.stderr.close()
        sys.exit(0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
        sys.exit(code)

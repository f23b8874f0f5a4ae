"""The typer root: global options, the command groups, and errors turned into one line + exit code."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer._click.exceptions import NoArgsIsHelpError  # typer 0.29 vendors click (pinned in the lock)

from floatctl import global_options, help
from floatctl.commands import (
    calendar,
    completion,
    diff,
    history,
    launch,
    locks,
    preflight,
    preview,
    reconcile,
    recover,
    run,
    sandbox,
    schedule,
    status,
    stop,
    tui,
    version,
    watch,
)
from floatctl.help import CommandGroup
from floatctl.output import Output
from floatctl.plain_coercion import checked_numbers
from jobs.errors import EXIT_OK, EXIT_SIGINT, EXIT_USAGE, FloatctlError


class FloatctlGroup(CommandGroup):
    """Maps the project's errors to a one-line message and its exit code, for every command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        global_options.add_everywhere(self)
        help.name_values(self)
        checked_numbers(self)
        global_options.announce_environment(self)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        help.format_commands_by_persona(self, ctx, formatter)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Usage errors as one plain line (`error: ...`) with exit code 2, not a framed box."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except NoArgsIsHelpError as exc:  # `floatctl`, `floatctl locks`: the help, as gh and git do
            typer.echo(exc.ctx.get_help())
            sys.exit(EXIT_OK)
        except typer.TyperException as exc:
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            Output().error(
                " ".join(message.split()), "see floatctl -h" if getattr(exc, "exit_code", 2) == 2 else None
            )
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        except typer.Abort:
            Output().error("aborted")
            sys.exit(1)
        except FloatctlError as exc:  # raised while options were parsed (a bad --env or FLOATCTL_ENV)
            Output().error(
                exc.message, exc.hint or ("see floatctl -h" if exc.exit_code == EXIT_USAGE else None)
            )
            sys.exit(exc.exit_code)
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
        except BrokenPipeError:
            reader_left()
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:  # a bug or an unexpected dependency failure: still one line
            known = _known_failure(exc)
            if known is not None:
                Output().error(*known)
                raise typer.Exit(1) from None
            verbose = bool(ctx.obj and ctx.obj.output.verbose)
            if verbose:
                raise
            Output().error(f"{type(exc).__name__}: {exc}", "run again with -v for the traceback")
            raise typer.Exit(1) from None


def _known_failure(exc: BaseException) -> tuple[str, str] | None:
    """A failure with a known fix (no AWS credentials) that no adapter translated."""
    from jobs.errors import credential_error

    found = credential_error(exc)
    return (found.message, found.hint or "") if found else None


def reader_left() -> None:
    """`floatctl ... | head`: the reader left. Not an error: exit 0 quietly, as git does without SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
    raise typer.Exit(EXIT_OK)


app = typer.Typer(
    cls=FloatctlGroup,
    help="Run and operate the day-before-ach collections batch.",
    epilog="Global options (-o, --env, -v) work after any command too: floatctl status -o json.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        version.print_version(Output())
        raise typer.Exit(EXIT_OK)


@app.callback()
def root(
    ctx: typer.Context,
    show_version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_show_version, help="print the version and exit"),
    ] = False,
) -> None:
    """floatctl: the day-before-ach batch, its preview, and the on-call tools around it."""
    global_options.app_context(ctx)


app.add_typer(run.app, name="run", cls=CommandGroup)
app.command("preview")(preview.preview)
app.command("status")(status.status)
app.add_typer(launch.app, name="launch", cls=CommandGroup)
app.add_typer(locks.app, name="locks", cls=CommandGroup)
app.command("stop")(stop.stop)
app.add_typer(schedule.app, name="schedule", cls=CommandGroup)
app.command("history")(history.history)
app.command("tui")(tui.tui)
app.command("preflight")(preflight.preflight)
app.add_typer(calendar.app, name="calendar", cls=CommandGroup)
app.command("diff")(diff.diff)
app.command("reconcile")(reconcile.reconcile)
app.add_typer(recover.app, name="recover", cls=CommandGroup)
app.add_typer(watch.app, name="watch", cls=CommandGroup)
app.add_typer(sandbox.app, name="sandbox", cls=CommandGroup)
app.command("version")(version.version)
app.command("completion")(completion.completion)


def main() -> None:
    """Console entry point."""
    if os.environ.get(completion.COMPLETE_VAR):
        completion.prepare()
    try:
        try:
            app(prog_name="floatctl")
        finally:
            sys.stdout.flush()
    except BrokenPipeError:  # the reader left during the last flush
        try:
            reader_left()
        except typer.Exit:
            sys.exit(EXIT_OK)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_USAGE)
        sys.exit(code)

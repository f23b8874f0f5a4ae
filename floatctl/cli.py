"""The typer root: global options, the command groups, and errors turned into one line + exit code."""

from __future__ import annotations

import inspect
import os
import sys
from typing import Annotated, Any, NamedTuple

import typer
import typer.main
from typer._click.exceptions import NoArgsIsHelpError  # typer 0.29 vendors click (pinned in the lock)
from typer._click.utils import make_default_short_help

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
        _dressed(self)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, name: str) -> Any:
        """Build a command the first time it is asked for: `floatctl status` builds `status` alone."""
        if name not in self.commands and name in COMMANDS:
            holder = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)
            COMMANDS[name].register(holder, name)
            command = typer.main.get_group(holder).commands[name]
            self.commands[name] = _dressed(command, announce=name not in global_options.QUIET)
        return self.commands.get(name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """By persona, from each command's own help text: listing builds no command."""
        help.format_commands_by_persona({name: c.short_help for name, c in COMMANDS.items()}, formatter)

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


def _dressed(command: Any, announce: bool = False) -> Any:
    """The floatctl conventions on a built command and everything below it."""
    global_options.add_everywhere(command)
    help.name_values(command)
    checked_numbers(command)
    if announce:
        global_options.announce_environment(command)
    return command


class Entry(NamedTuple):
    """A top-level command, registered on a typer app only when it is first used."""

    target: Any  # a typer app (a group) or a function (a command)

    def register(self, holder: typer.Typer, name: str) -> None:
        if isinstance(self.target, typer.Typer):
            holder.add_typer(self.target, name=name, cls=CommandGroup)
        else:
            holder.command(name)(self.target)

    @property
    def short_help(self) -> str:
        """What click's `get_short_help_str` gives the built command (tests/cli/test_help.py checks)."""
        text = self.target.info.help if isinstance(self.target, typer.Typer) else self.target.__doc__
        return make_default_short_help(inspect.cleandoc(text or ""), help.WHOLE)


# Every top-level command. Built lazily: typer reads every parameter of every function it builds
# (signatures, type hints), which made `floatctl --help` pay for all 41 commands.
COMMANDS: dict[str, Entry] = {
    "run": Entry(run.app),
    "preview": Entry(preview.preview),
    "status": Entry(status.status),
    "launch": Entry(launch.app),
    "locks": Entry(locks.app),
    "stop": Entry(stop.stop),
    "schedule": Entry(schedule.app),
    "history": Entry(history.history),
    "tui": Entry(tui.tui),
    "preflight": Entry(preflight.preflight),
    "calendar": Entry(calendar.app),
    "diff": Entry(diff.diff),
    "reconcile": Entry(reconcile.reconcile),
    "recover": Entry(recover.app),
    "watch": Entry(watch.app),
    "sandbox": Entry(sandbox.app),
    "version": Entry(version.version),
    "completion": Entry(completion.completion),
}


def whole_tree() -> list[tuple[tuple[str, ...], Any]]:
    """Every command built, as (path, command), root first: for the tests and docs that walk the tree."""
    root = typer.main.get_command(app)
    found: list[tuple[tuple[str, ...], Any]] = [((), root)]

    def walk(group: Any, path: tuple[str, ...]) -> None:
        for name in group.list_commands(None):
            command = group.get_command(None, name)
            found.append(((*path, name), command))
            if hasattr(command, "commands"):
                walk(command, (*path, name))

    walk(root, ())
    return found


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

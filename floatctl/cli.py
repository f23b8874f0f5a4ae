"""The typer root: global options, the command groups, and errors turned into one line + exit code."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Any, NamedTuple

import typer
import typer.main
from typer._click.exceptions import NoArgsIsHelpError  # typer 0.29 vendors click (pinned in the lock)

from floatctl import global_options, help
from floatctl.commands.completion import COMPLETE_VAR
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
        help.format_commands_by_persona({name: c.summary for name, c in COMMANDS.items()}, formatter)

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
        from floatctl.commands.version import print_version

        print_version(Output())
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
    """A top-level command: where it lives, imported only when it is built, and its line in `floatctl -h`.

    The line is the built command's short help too (registered with it), so the two cannot differ.
    """

    path: str  # "module:attribute": a typer app (a group) or a function (a command)
    summary: str

    def register(self, holder: typer.Typer, name: str) -> None:
        module, attribute = self.path.split(":")
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            holder.add_typer(target, name=name, cls=CommandGroup, short_help=self.summary)
        else:
            holder.command(name, short_help=self.summary)(target)


# Every top-level command. Built lazily, and its module imported only then: typer reads every parameter
# of every function it builds (signatures, type hints), and importing the 18 command modules cost
# `floatctl --help` more than a third of its own start-up.
COMMANDS: dict[str, Entry] = {
    "run": Entry("floatctl.commands.run:app", "Run a batch job."),
    "preview": Entry(
        "floatctl.commands.preview:preview",
        "Dry-run the batch: one row per float with each rule's result, totals per verdict, time vs cutoff.",
    ),
    "status": Entry(
        "floatctl.commands.status:status",
        "The schedule, the last expected fire and its run, the job lock, running tasks, cutoff, advice.",
    ),
    "launch": Entry("floatctl.commands.launch:app", "Start a batch task by hand (a missed-fire recovery)."),
    "locks": Entry(
        "floatctl.commands.locks:app", "Inspect and release locks (DynamoDB, by Query; never Scan)."
    ),
    "stop": Entry(
        "floatctl.commands.stop:stop",
        "Send ECS StopTask (SIGTERM, then SIGKILL after stopTimeout) and wait for the run to end INTERRUPTED.",
    ),
    "schedule": Entry(
        "floatctl.commands.schedule:app", "Pause or resume the EventBridge Scheduler schedule (audited)."
    ),
    "history": Entry(
        "floatctl.commands.history:history",
        "Newest first, with verdicts, reasons and payment ids (cards never beyond last4).",
    ),
    "tui": Entry(
        "floatctl.commands.tui:tui",
        "The status, preview, locks, history and launch views in one terminal app.",
    ),
    "preflight": Entry(
        "floatctl.commands.preflight:preflight",
        "Schedule, task definition, image, roles, DLQ, secrets, databases, tables, services, calendar; "
        "non-zero on any fail.",
    ),
    "calendar": Entry(
        "floatctl.commands.calendar:app",
        "The business calendar: due windows, Fed holidays, fire and cutoff times.",
    ),
    "diff": Entry(
        "floatctl.commands.diff:diff",
        "The signed-off preview against what the run did: same, changed (and why), new, missing.",
    ),
    "reconcile": Entry(
        "floatctl.commands.reconcile:reconcile",
        "Every key the night sent, looked up at Payments; exit 1 on any finding (-o json|csv for finance).",
    ),
    "recover": Entry(
        "floatctl.commands.recover:app", "Diagnose tonight's run and take the one safe next action."
    ),
    "watch": Entry(
        "floatctl.commands.watch:app", "Watch a night's run and page (SNS) once when it goes wrong."
    ),
    "sandbox": Entry(
        "floatctl.commands.sandbox:app",
        "The embedded sandbox: a real PostgreSQL, a moto server and the service simulator.",
    ),
    "version": Entry("floatctl.commands.version:version", "Print the version, commit and build date."),
    "completion": Entry("floatctl.commands.completion:completion", "Print the completion script."),
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
    if os.environ.get(COMPLETE_VAR):
        from floatctl.commands.completion import prepare

        prepare()
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

"""The global options (`-o/--output`, `--env`, `-v`) accepted after any command, as aws-cli, kubectl and gh do.

The root and every group and command below it declare the same options; their callbacks update the
one AppContext of the invocation (built on first use). The last one given wins (`floatctl -o json
status -o table` prints a table).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from floatctl.output import FORMATS
from jobs.settings import ENVIRONMENTS

ENV_HELP = "sandbox (default), test or prod [env var: FLOATCTL_ENV]"
OUTPUT_HELP = "table (default), json, csv, markdown or plain; any case"
VERBOSE_HELP = "more detail on stderr (-vv: debug); a traceback on a crash"
NAMES = frozenset({"--output", "-o", "--env", "--verbose", "-v"})


def app_context(ctx: Any) -> Any:
    """The one AppContext of this invocation, built from the environment on first use."""
    root = ctx.find_root()
    if root.obj is None:
        from floatctl.context import AppContext
        from floatctl.output import Output
        from jobs.settings import Settings

        root.obj = AppContext(Settings.load(), Output())  # a bad FLOATCTL_* value: a one-line UsageError
        root.call_on_close(root.obj.close)
    ctx.obj = root.obj
    return root.obj


def _choice(value: str, choices: tuple[str, ...], name: str) -> str:
    """One case rule for every choice: any case in, the lower-case name out."""
    if value.lower() not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=name)
    return value.lower()


def _set_output(ctx: Any, value: str | None) -> None:
    if value is not None and not ctx.resilient_parsing:
        app_context(ctx).output.format = _choice(value, FORMATS, "--output")


def _set_env(ctx: Any, value: str | None) -> None:
    if value is not None and not ctx.resilient_parsing:
        from jobs.settings import Settings

        env = value.lower() if value.lower() in ENVIRONMENTS else value  # a bad name: "unknown environment"
        app_context(ctx).rebind(Settings.load(env=env))


def _add_verbose(ctx: Any, value: int) -> None:
    if value and not ctx.resilient_parsing:
        app_context(ctx).output.verbose += value


_DECLARED: list[Any] = []


def _options() -> list[Any]:
    """The global options for one command: declared once, a copy per command."""
    import copy

    if not _DECLARED:
        _DECLARED.extend(_declare())
    return [copy.copy(param) for param in _DECLARED]


def _declare() -> list[Any]:
    from typer.main import _get_params_name_from_function

    from floatctl.plain_coercion import plain_coercion

    def declared(
        output: Annotated[
            str | None,
            typer.Option(
                "--output",
                "-o",
                metavar="[" + "|".join(FORMATS) + "]",
                callback=_set_output,
                expose_value=False,
                show_default=False,
                help=OUTPUT_HELP,
            ),
        ] = None,
        env: Annotated[
            str | None,
            typer.Option(
                "--env",
                metavar="[" + "|".join(ENVIRONMENTS) + "]",
                callback=_set_env,
                expose_value=False,
                show_default=False,
                help=ENV_HELP,
            ),
        ] = None,
        verbose: Annotated[
            int,
            typer.Option(
                "--verbose",
                "-v",
                count=True,
                callback=_add_verbose,
                expose_value=False,
                show_default=False,
                help=VERBOSE_HELP,
            ),
        ] = 0,
    ) -> None:
        """The global options."""

    params, _ = _get_params_name_from_function(declared)
    plain_coercion(params)
    return params


def add_everywhere(command: Any) -> None:
    """Give `command` and every group and command below it the global options."""
    taken = {name for p in command.params for name in getattr(p, "opts", [])}
    if not taken & NAMES:
        command.params.extend(_options())
    for sub in getattr(command, "commands", {}).values():
        add_everywhere(sub)


QUIET = frozenset({"version", "completion"})  # commands that act on no environment


def announce_environment(command: Any) -> None:
    """`command` and every command below it say which environment they act on first (loudly in prod),
    once per process. The root calls it for each top-level command but those in QUIET."""
    subs = getattr(command, "commands", None)
    if subs:
        for sub in subs.values():
            announce_environment(sub)
    elif command.callback is not None:
        command.callback = _announcing(command.callback)


def _announcing(callback: Any) -> Any:
    import functools

    @functools.wraps(callback)
    def announced(*args: Any, **kwargs: Any) -> Any:
        from typer._click.globals import get_current_context

        app = app_context(get_current_context())
        app.output.banner(app.env)
        return callback(*args, **kwargs)

    return announced

"""How `--help` reads: plain click help (it wraps, never cuts), names in capitals, commands by persona."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer._click.core import Context  # typer 0.29 vendors click (pinned in the lock)
from typer._click.formatting import HelpFormatter

from floatctl.plain_coercion import PlainGroup

# Who runs what (README.md: the three users); `floatctl -h` lists the commands under these headings,
# in this order.
PERSONAS: dict[str, tuple[str, ...]] = {
    "On call": (
        "status",
        "recover",
        "launch",
        "stop",
        "locks",
        "schedule",
        "tui",
        "preflight",
        "calendar",
    ),
    "Finance": ("preview", "diff", "reconcile", "history"),
    "The scheduled container": ("run", "watch"),
    "Set-up": ("sandbox", "version", "completion"),
}
_METAVARS = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}


def _metavar(param: Any) -> str | None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return None
    if param.param_type_name == "argument":
        return param.name.upper().rstrip("_")
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if descriptor.is_choice:
        return "[" + "|".join(str(c) for c in descriptor.choices) + "]"
    if "date" in param.name or "from" in param.name:
        return "DATE"
    return _METAVARS.get(descriptor.annotation, "VALUE")


_NO_BREAK_HYPHEN = "\u2011"


class _Formatter(HelpFormatter):
    """Click's formatter, but a line never breaks at a hyphen: `day-before-ach`, `Retry-After` and
    `--dry-run` in a sentence stay whole (text wraps at spaces only)."""

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", _NO_BREAK_HYPHEN))

    def write_dl(self, rows: Any, *args: Any, **kwargs: Any) -> None:
        rows = [(term, text.replace("-", _NO_BREAK_HYPHEN)) for term, text in rows]
        super().write_dl(rows, *args, **kwargs)

    def getvalue(self) -> str:
        return super().getvalue().replace(_NO_BREAK_HYPHEN, "-")


class HelpContext(Context):
    """The context of every floatctl command: its help comes from `_Formatter`."""

    formatter_class = _Formatter


def name_values(command: Any) -> None:
    """Every argument and value option of `command` and below gets a metavar in capitals (`KEY`, `N`),
    and its help is formatted without breaks at hyphens."""
    command.context_class = HelpContext
    for param in command.params:
        if param.metavar is None:
            param.metavar = _metavar(param)
        if param.param_type_name == "argument":
            # typer writes `{KEY}` in the usage line and `KEY <str>` in the list: say `KEY` in both.
            usage = (param.metavar if param.required else f"[{param.metavar}]") + (
                "..." if param.nargs != 1 else ""
            )
            param._usage_display_name = lambda usage=usage: usage
            param.display_type_rich = lambda ctx: None
    for sub in getattr(command, "commands", {}).values():
        name_values(sub)


class CommandGroup(PlainGroup):
    """Every floatctl command group: its help lists each command's whole first sentence, never `...`."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        commands = _visible(self, ctx)
        if commands:
            with formatter.section("Commands"):
                formatter.write_dl([(n, c.get_short_help_str(WHOLE)) for n, c in commands.items()])


WHOLE = 300  # the whole first sentence: click's write_dl wraps it, nothing is cut


def _visible(group: Any, ctx: Any) -> dict[str, Any]:
    commands = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    return {name: cmd for name, cmd in commands.items() if cmd is not None and not cmd.hidden}


def format_commands_by_persona(short_help: dict[str, str], formatter: Any) -> None:
    """The commands (name: short help) in one section per persona; anything unlisted under 'Other'."""
    listed: set[str] = set()
    for persona, names in PERSONAS.items():
        rows = [(n, short_help[n]) for n in names if n in short_help]
        listed.update(names)
        if rows:
            with formatter.section(persona):
                formatter.write_dl(rows)
    rest = [(n, text) for n, text in short_help.items() if n not in listed]
    if rest:
        with formatter.section("Other"):
            formatter.write_dl(rest)

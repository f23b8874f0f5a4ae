"""How `--help` reads: plain click help (it wraps, never cuts), names in capitals, commands by persona."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Who runs what (DESIGN §1); `floatctl -h` lists the commands under these headings, in this order.
PERSONAS: dict[str, tuple[str, ...]] = {
    "On call": (
        "status",
        "recover",
        "launch",
        "stop",
        "locks",
        "schedule",
        "reconcile",
        "tui",
        "preflight",
        "calendar",
    ),
    "Finance": ("preview", "diff", "history"),
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


def name_values(command: Any) -> None:
    """Every argument and value option of `command` and below gets a metavar in capitals (`KEY`, `N`)."""
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


def format_commands_by_persona(group: Any, ctx: Any, formatter: Any) -> None:
    """The group's commands in one section per persona; anything unlisted under 'Other'."""
    commands = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    commands = {name: cmd for name, cmd in commands.items() if cmd is not None and not cmd.hidden}
    width = 300  # the whole first sentence: write_dl wraps it, nothing is cut
    listed: set[str] = set()
    for persona, names in PERSONAS.items():
        rows = [(n, commands[n].get_short_help_str(width)) for n in names if n in commands]
        listed.update(names)
        if rows:
            with formatter.section(persona):
                formatter.write_dl(rows)
    rest = [(n, c.get_short_help_str(width)) for n, c in commands.items() if n not in listed]
    if rest:
        with formatter.section("Other"):
            formatter.write_dl(rest)

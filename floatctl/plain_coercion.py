"""Typer's coercion on our terms: no pydantic on the start-up path, numbers checked in our words."""

from __future__ import annotations

import math
from typing import Any

from typer.core import TyperGroup


def plain_coercion(params: list[Any]) -> None:
    """Let a group's options of type str, int or bool (and its help flag) skip pydantic coercion.

    Typer 0.29 builds a pydantic TypeAdapter for every option it processes, and the root's options
    are processed before any sub-command, `--help` included: that imports pydantic, ~45 ms on the
    start-up of every command. Click already hands these options over as the right type, so typer's
    own pass-through coercion is exact for them. Private typer API, pinned in requirements.lock;
    tests/test_import_hygiene.py fails if an upgrade brings pydantic back to `status --help`.
    """
    try:
        from typer._coercion import PassThroughRuntimeParam
    except ImportError:  # another typer: slower start-up, same behaviour
        return
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            continue
        if descriptor.annotation in (str, int, bool) and descriptor.file_annotation is None:
            param._runtime_param = PassThroughRuntimeParam(
                annotation=descriptor.annotation, parameter_info=descriptor.parameter_info
            )


def number_problem(text: Any, kind: type, minimum: float | None, maximum: float | None) -> str | None:
    """Why `text` is not a usable int/float option value, in our words (not pydantic's), or None.

    Every number is finite (`inf`, `nan` are typos, not plans) and inside the option's bounds.
    """
    try:
        value = kind(text)
    except (TypeError, ValueError):
        return f"{text!r} is not {'a whole number' if kind is int else 'a number'}"
    if not math.isfinite(value):
        return f"{text!r} is not a finite number"
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if minimum is not None and maximum is not None:
            return f"give a number from {minimum:g} to {maximum:g}, not {text}"
        if minimum is not None:
            return f"give a number of at least {minimum:g}, not {text}"
        return f"give a number of at most {maximum:g}, not {text}"
    return None


def checked_numbers(command: Any) -> None:
    """Every int and float option and argument of `command` and below: converted and bounded by
    `number_problem` (a one-line usage error naming the option), without pydantic."""
    try:
        from typer._coercion import PassThroughRuntimeParam
    except ImportError:  # another typer: its own (pydantic) wording
        return
    from typer import BadParameter

    class NumberParam(PassThroughRuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            info, kind = self.parameter_info, self.annotation
            problem = number_problem(value, kind, info.min, info.max)
            if problem:
                raise BadParameter(problem, ctx=ctx, param=param)
            return kind(value)

    for param in command.params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "count", False) or descriptor.file_annotation is not None:
            continue
        if descriptor.annotation in (int, float) and not getattr(param, "multiple", False):
            param._runtime_param = NumberParam(
                annotation=descriptor.annotation, parameter_info=descriptor.parameter_info
            )
    for sub in getattr(command, "commands", {}).values():
        checked_numbers(sub)


class PlainGroup(TyperGroup):
    """A command group whose plain options are coerced without pydantic."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        plain_coercion(self.get_params(ctx))
        return super().parse_args(ctx, args)

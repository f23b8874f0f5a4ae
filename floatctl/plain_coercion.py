"""Typer without pydantic on the start-up path of plain options."""

from __future__ import annotations

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


class PlainGroup(TyperGroup):
    """A command group whose plain options are coerced without pydantic."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        plain_coercion(self.get_params(ctx))
        return super().parse_args(ctx, args)

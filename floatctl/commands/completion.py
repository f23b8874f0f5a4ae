"""`floatctl completion bash|zsh|fish`: the shell completion script, as `gh completion` prints it."""

from __future__ import annotations

from typing import Annotated

import typer

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_FLOATCTL_COMPLETE"


def prepare() -> None:
    """Register typer's completion classes, which the scripts below talk to (before the app runs)."""
    from typer._completion_classes import completion_init

    completion_init()


def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish", show_default=False)],
) -> None:
    """Print the completion script. bash: `source <(floatctl completion bash)` in ~/.bashrc."""
    from typer._completion_shared import get_completion_script

    from jobs.errors import UsageError

    if shell.lower() not in SHELLS:
        raise UsageError(f"SHELL: {shell!r} is not one of {', '.join(SHELLS)}")
    prepare()
    typer.echo(get_completion_script(prog_name="floatctl", complete_var=COMPLETE_VAR, shell=shell.lower()))

"""A bare typer app: the yardstick for `floatctl --help` (benchmarks/startup.py).

The same typer settings as floatctl's root (no completion, -h/--help, plain help without rich markup,
no pretty tracebacks), one callback option and two commands, and nothing else imported. With rich help
the yardstick took 300 ms against floatctl's plain 125 ms: a ratio that flattered floatctl.
"""

from typing import Annotated

import typer

app = typer.Typer(
    help="A bare typer app.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="say more")] = False) -> None:
    """A bare typer app."""


@app.command()
def hello(name: Annotated[str | None, typer.Option("--name", help="who to greet")] = None) -> None:
    """Say hello."""
    print(f"hello {name or 'world'}")


@app.command()
def bye() -> None:
    """Say bye."""


if __name__ == "__main__":
    app()

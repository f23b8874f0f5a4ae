"""Options shared by the commands that run or preview the batch (flag > environment variable > default)."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated

import typer

from jobs.errors import UsageError

MAX_RATE = 1000.0  # submissions per second: 200x the default; anything above is a typo (1e9, an extra 0)


def _finite_rate(ctx: typer.Context, param: typer.CallbackParam, value: float) -> float:
    """A rate is a finite number in [0.01, MAX_RATE]: `inf`, `nan` and `1e9` are typos, not plans."""
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value!r} is not a finite number of submissions per second")
    if not 0.01 <= value <= MAX_RATE:
        raise typer.BadParameter(f"{value:g} is outside 0.01..{MAX_RATE:g} submissions per second")
    return value


RunDate = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="run date YYYY-MM-DD, today/tomorrow/yesterday (default: today in New York)",
        envvar="FLOATCTL_RUN_DATE",
        show_default=False,
    ),
]
Rate = Annotated[
    float,
    typer.Option(
        "--payment-submit-rate",
        envvar="FLOATCTL_PAYMENT_SUBMIT_RATE",
        callback=_finite_rate,
        help=f"Payments submissions per second (0.01..{MAX_RATE:g}), strict in any 1 s window",
    ),
]
Workers = Annotated[
    int, typer.Option("--workers", min=1, max=256, envvar="FLOATCTL_WORKERS", help="evaluation threads")
]
PageSize = Annotated[
    int,
    typer.Option(
        "--page-size", min=1, max=10_000, envvar="FLOATCTL_PAGE_SIZE", help="floats per replica page"
    ),
]
ChannelBuffer = Annotated[
    int,
    typer.Option(
        "--channel-buffer",
        min=0,
        max=10_000,
        envvar="FLOATCTL_CHANNEL_BUFFER",
        help="producer queue depth (0 = workers)",
    ),
]
MaxAttempts = Annotated[
    int,
    typer.Option(
        "--max-ach-attempts",
        min=1,
        max=100,
        envvar="FLOATCTL_MAX_ACH_ATTEMPTS",
        help="skip floats with this many ACH attempts",
    ),
]


ShardIndex = Annotated[
    int,
    typer.Option("--shard-index", min=0, envvar="FLOATCTL_SHARD_INDEX", help="this task's shard (0-based)"),
]
ShardCount = Annotated[
    int,
    typer.Option(
        "--shard-count",
        min=1,
        max=64,
        envvar="FLOATCTL_SHARD_COUNT",
        help="tasks sharing the window; each takes rate/count",
    ),
]


def typed_as(name: str, param: str) -> str:
    """How the user gave `param`: its flag, or its environment variable when that is where it came from."""
    from typer._click.core import ParameterSource
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if ctx is not None and ctx.get_parameter_source(param) is ParameterSource.ENVIRONMENT:
        found = next((p for p in ctx.command.params if p.name == param), None)
        if found is not None and found.envvar:
            return f"{found.envvar}={ctx.params.get(param)!r}"
    return name


def run_date(text: str | None, name: str = "--date") -> date:
    """The run date from --date (errors say `name`, the flag or argument it came from), or today in New York.

    Today is by jobs.clock: FLOATCTL_NOW freezes it.
    """
    from jobs import clock
    from jobs.domain.calendar import parse_run_date, today_in_new_york

    now = clock.now()
    if text is None:
        return today_in_new_york(now)
    try:
        return parse_run_date(text, now=now)
    except ValueError as exc:
        raise UsageError(f"{typed_as(name, 'date_')}: {exc}") from None

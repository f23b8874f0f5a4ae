"""Options shared by the commands that run or preview the batch (flag > environment variable > default)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from jobs.errors import UsageError
from jobs.settings import bounds, field_help


def _finite_rate(ctx: typer.Context, param: typer.CallbackParam, value: float | None) -> float | None:
    """A rate is a finite number in [0.01, MAX_RATE]: `inf`, `nan` and `1e9` are typos, not plans."""
    from jobs.settings import rate_problem

    if value is not None and (problem := rate_problem(value)):  # None: Settings' value stands
        raise typer.BadParameter(problem)
    return value


def _range(name: str) -> dict[str, float]:
    """The flag's min and max: the same bounds as its environment variable (jobs.settings.bounds)."""
    lowest, highest = bounds(name)
    return {"min": lowest, "max": highest}


RunDate = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="run date YYYY-MM-DD, today/tomorrow/yesterday (default: today in New York)",
        envvar="FLOATCTL_RUN_DATE",
        show_default=False,
    ),
]
# The batch's knobs: a flag overrides jobs.settings.Settings (its env var, then its default), which the
# TUI and the container read too. The options carry no envvar and no default of their own (None = not
# given), so the precedence lives in one place: Settings.load and Settings.knobs.
Rate = Annotated[
    float | None,
    typer.Option(
        "--payment-submit-rate",
        callback=_finite_rate,
        help=field_help("payment_submit_rate"),
        show_default=False,
    ),
]
Workers = Annotated[
    int | None, typer.Option("--workers", **_range("workers"), help=field_help("workers"), show_default=False)
]
PageSize = Annotated[
    int | None,
    typer.Option("--page-size", **_range("page_size"), help=field_help("page_size"), show_default=False),
]
ChannelBuffer = Annotated[
    int | None,
    typer.Option(
        "--channel-buffer", **_range("channel_buffer"), help=field_help("channel_buffer"), show_default=False
    ),
]
MaxAttempts = Annotated[
    int | None,
    typer.Option(
        "--max-ach-attempts",
        **_range("max_ach_attempts"),
        help=field_help("max_ach_attempts"),
        show_default=False,
    ),
]
PreviewWorkers = Annotated[
    int | None,
    typer.Option(
        "--workers", **_range("preview_workers"), help=field_help("preview_workers"), show_default=False
    ),
]


NightDate = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="run date YYYY-MM-DD, today/tomorrow/yesterday (default: the night of the last fire)",
        envvar="FLOATCTL_RUN_DATE",
        show_default=False,
    ),
]
ApprovedBy = Annotated[
    str | None,
    typer.Option(
        "--approved-by",
        metavar="NAME",
        help="with --after-cutoff: who in finance agreed to the late settlement (audited; required in prod)",
    ),
]
Early = Annotated[
    bool,
    typer.Option(
        "--early",
        help="allow a launch before the run date's 19:00 ET fire (risky: the floats are re-fetched hours "
        "before the 21:00 cutoff, so later payments, cancellations and new cards are not seen)",
    ),
]


ShardIndex = Annotated[
    int | None,
    typer.Option(
        "--shard-index", **_range("shard_index"), help=field_help("shard_index"), show_default=False
    ),
]
ShardCount = Annotated[
    int | None,
    typer.Option(
        "--shard-count", **_range("shard_count"), help=field_help("shard_count"), show_default=False
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


def night_date(text: str | None) -> date | None:
    """The run date from --date, or None: the on-call commands then take the night in question."""
    return run_date(text) if text is not None else None

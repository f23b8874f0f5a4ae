"""Options shared by the commands that run or preview the batch (flag > environment variable > default)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from jobs.errors import UsageError

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
        min=0.01,
        envvar="FLOATCTL_PAYMENT_SUBMIT_RATE",
        help="Payments submissions per second, strict in any 1 s window",
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


NightDate = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="run date YYYY-MM-DD, today/tomorrow/yesterday (default: the night of the last fire)",
        envvar="FLOATCTL_RUN_DATE",
        show_default=False,
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


def run_date(text: str | None) -> date:
    """The run date from --date, or today in New York (by jobs.clock: FLOATCTL_NOW freezes it)."""
    from jobs import clock
    from jobs.domain.calendar import parse_run_date, today_in_new_york

    now = clock.now()
    if text is None:
        return today_in_new_york(now)
    try:
        return parse_run_date(text, now=now)
    except ValueError as exc:
        raise UsageError(f"--date: {exc}") from None


def night_date(text: str | None) -> date | None:
    """The run date from --date, or None: the on-call commands then take the night in question."""
    return run_date(text) if text is not None else None

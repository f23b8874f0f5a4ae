"""`floatctl preview`: tomorrow's ACH list with every rule's verdict, totals and the cutoff check."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from floatctl.commands import options as opt
from floatctl.output import cutoff_fit, dollars
from jobs.errors import UsageError

RULE_MARK = {"pass": "ok", "fail": "FAIL", "not_checked": "-", "error": "ERROR"}


def preview(
    ctx: typer.Context,
    date_: opt.RunDate = None,
    verdict: Annotated[str | None, typer.Option("--verdict", help="only rows with this verdict")] = None,
    payment_submit_rate: opt.Rate = None,
    workers: opt.PreviewWorkers = None,
    page_size: opt.PageSize = None,
    max_ach_attempts: opt.MaxAttempts = None,
    save: Annotated[
        bool, typer.Option("--save", help="keep this preview (with a content hash) for `floatctl diff`")
    ] = False,
) -> None:
    """Dry-run the batch: one row per float with each rule's result, totals per verdict, time vs cutoff."""
    from floatctl.progress import PreviewProgress
    from jobs.domain.model import VERDICTS
    from jobs.finance.preview import ERROR, build_preview, preview_options
    from jobs.runtime import Runtime

    choices = (*VERDICTS, ERROR)
    if verdict is not None and verdict.upper() not in choices:
        raise UsageError(f"--verdict: {verdict!r} is not one of {', '.join(choices)}")
    verdict = verdict.upper() if verdict else None
    app_ctx = ctx.obj
    options = preview_options(
        app_ctx.base_settings,
        opt.run_date(date_),
        payment_submit_rate=payment_submit_rate,
        workers=workers,
        page_size=page_size,
        max_ach_attempts=max_ach_attempts,
    )
    workers = options.workers
    app_ctx.output.banner(app_ctx.env)
    runtime = Runtime.from_settings(app_ctx.settings, pool_size=workers + 2)
    try:
        with PreviewProgress(enabled=sys.stderr.isatty()) as progress:
            result = build_preview(
                options,
                runtime.sources(),
                workers=workers,
                locks=runtime.locks(),
                evaluated=progress.evaluated,
            )
    finally:
        runtime.close()
    _render(app_ctx, result, verdict)
    if save:
        from jobs.finance import signoff

        path = signoff.save(result.as_json(app_ctx.env), app_ctx.previews())
        app_ctx.output.info(
            f"saved {path} (content hash {signoff.content_hash(result.as_json(app_ctx.env))[:12]})"
        )


def _render(app_ctx, result, verdict: str | None) -> None:
    from jobs.domain.rules import RULES

    out = app_ctx.output
    document = result.as_json(app_ctx.env, verdict)
    if out.is_json:
        out.json(document)
        return
    rows = document["rows"]
    money = out.format != "csv"  # dollars for people, cents for spreadsheets
    columns = (
        "float_id",
        "user_id",
        "amount" if money else "amount_cents",
        "due_date",
        *RULES,
        "verdict",
        "reason",
    )
    table_rows = [
        (
            r["float_id"],
            r["user_id"],
            dollars(r["amount_cents"]) if money else r["amount_cents"],
            r["due_date"],
            *(RULE_MARK[r["rules"][name]["result"]] for name in RULES),
            r["verdict"],
            r["reason"],
        )
        for r in rows
    ]
    window = document["due_window"]
    out.table(
        columns,
        table_rows,
        title=f"preview {app_ctx.env} run date {document['run_date']}, due {window['start']}..{window['end']}",
        drop_first=("user_id", "due_date", "reason", *reversed(RULES)),
    )
    if out.format == "csv":
        return
    out.line()
    totals = document["totals"]
    out.table(
        ("verdict", "floats", "amount"),
        [(v, t["count"], dollars(t["amount_cents"])) for v, t in totals.items()],
        title="totals",
    )
    out.line()
    out.line(cutoff_fit(document["timing"]))

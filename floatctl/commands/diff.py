"""`floatctl diff`: the preview finance signed off against what the run did, per float."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from floatctl.commands import options as opt
from floatctl.output import dollars
from jobs.errors import FloatctlError, UsageError


def diff(
    ctx: typer.Context,
    run_id: Annotated[str | None, typer.Option("--run", help="the run to compare")] = None,
    date_: Annotated[str | None, typer.Option("--date", help="the latest run of this run date")] = None,
    preview_file: Annotated[
        Path | None, typer.Option("--preview", help="a saved preview (default: the latest saved)")
    ] = None,
) -> None:
    """Same, changed (and why), new, missing; the totals' delta. CSV/JSON for finance."""
    from jobs.domain.calendar import due_window
    from jobs.domain.records import FloatEvent, RunRecord
    from jobs.finance import signoff
    from jobs.finance.diff import compare

    if (run_id is None) == (date_ is None):
        raise UsageError("give exactly one of --run or --date")
    app_ctx = ctx.obj
    history = app_ctx.runtime().history()
    if run_id is not None:
        items = history.by_run_id(run_id)
        records = [RunRecord.from_item(i) for i in items if i.get("kind") == "run"]
        if not records:
            raise FloatctlError(f"no run {run_id!r} in {app_ctx.env}")
        run = records[0]
    else:
        runs = history.runs(due_window(opt.run_date(date_)).end)
        if not runs:
            raise FloatctlError(f"no run for run date {date_} in {app_ctx.env}")
        run = runs[0]
        items = history.by_run_id(run.run_id)
    events = [FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event"]
    if preview_file is not None:
        try:
            path, saved = str(preview_file), signoff.parse(preview_file.read_text(), str(preview_file))
        except OSError as exc:
            raise UsageError(f"--preview: cannot read {preview_file}: {exc.strerror}") from None
    else:
        path, saved = signoff.latest(app_ctx.previews(), app_ctx.env, run.run_date)
    if saved["run_date"] != run.run_date.isoformat():
        raise UsageError(f"{path} is for run date {saved['run_date']}, run {run.run_id} for {run.run_date}")
    diffs, totals = compare(saved, events)
    out = app_ctx.output
    document = {
        "env": app_ctx.env,
        "run_id": run.run_id,
        "run_date": run.run_date.isoformat(),
        "preview": path,
        "content_hash": saved["content_hash"],
        "totals": totals,
        "floats": [d.as_json() for d in diffs],
    }
    if out.is_json:
        out.json(document)
        return
    columns = ("float_id", "status", "planned", "actual", "planned_amount", "actual_amount", "reason")
    if out.format == "csv":
        out.table(
            columns,
            [
                (
                    d.float_id,
                    d.status,
                    d.planned,
                    d.actual,
                    d.planned_amount_cents,
                    d.actual_amount_cents,
                    d.reason,
                )
                for d in diffs
            ],
        )
        return
    counts = {s: sum(1 for d in diffs if d.status == s) for s in ("same", "changed", "new", "missing")}
    differing = [d for d in diffs if d.status != "same"]
    out.table(
        columns,
        [
            (
                d.float_id,
                d.status,
                d.planned,
                d.actual,
                dollars(d.planned_amount_cents),
                dollars(d.actual_amount_cents),
                d.reason,
            )
            for d in differing
        ],
        title=f"run {run.run_id} vs {path.rsplit('/', 1)[-1]}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    t = totals
    out.line(
        f"planned {t['planned']['submit_count']} ACH {dollars(t['planned']['amount_cents'])}; "
        f"submitted {t['actual']['submitted_count']} {dollars(t['actual']['amount_cents'])}; "
        f"delta {t['delta']['count']:+d} {dollars(t['delta']['amount_cents'])}"
    )

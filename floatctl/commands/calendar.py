"""`floatctl calendar explain|next`: why a run date's due window is what it is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from floatctl.commands import options as opt
from floatctl.output import moment, plural

app = typer.Typer(
    help="The business calendar: due windows, Fed holidays, fire and cutoff times.", no_args_is_help=True
)


@app.command()
def explain(
    ctx: typer.Context,
    date_: Annotated[str, typer.Argument(metavar="DATE", help="run date (YYYY-MM-DD, today, …)")],
) -> None:
    """Why the next business day is what it is, the due window, fire and cutoff in New York and UTC."""
    from jobs.oncall.calendar_explain import explain as explain_date

    document = explain_date(opt.run_date(date_, "DATE")).as_json()
    out = ctx.obj.output
    if out.is_json:
        out.json(document)
        return
    window = document["due_window"]
    pairs = [
        ("run date", f"{document['run_date']} ({document['weekday']})"),
        (
            "business day",
            "yes"
            if document["business_day"]
            else f"no{' (' + document['holiday'] + ')' if document['holiday'] else ''}",
        ),
        (
            "schedule fires",
            "yes (MON-FRI, holidays included)" if document["schedule_fires"] else "no (weekend)",
        ),
        (
            "due window",
            f"{window['start']}..{window['end']} ({window['days']} day{'s' if window['days'] > 1 else ''})",
        ),
        *[(f"  {s['date']}", f"not a business day: {s['why']}") for s in document["skipped"]],
        ("fire", _both(document["fire_at"])),
        ("cutoff", _both(document["cutoff_at"])),
    ]
    out.fields(pairs, title=f"calendar {document['run_date']}")
    for note in document["notes"]:
        out.line(f"note: {note}")


@app.command("next")
def next_(
    ctx: typer.Context,
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=366, help="how many fire dates")] = 10,
    from_: Annotated[
        str | None, typer.Option("--from", help="start date (default: today in New York)")
    ] = None,
) -> None:
    """The next fire dates with their windows; tricky ones flagged."""
    from jobs.oncall.calendar_explain import upcoming

    rows = [e.as_json() for e in upcoming(opt.run_date(from_, "--from"), count)]
    out = ctx.obj.output
    if out.is_json:
        out.json(rows)
        return
    out.table(
        ("fire", "business", "due window", "days", "notes"),
        [
            (
                datetime.fromisoformat(
                    r["fire_at"]["new_york"]
                ),  # the run date, its weekday, 19:00 and EST/EDT
                "yes" if r["business_day"] else f"no: {r['holiday']}",
                f"{r['due_window']['start']}..{r['due_window']['end']}",
                r["due_window"]["days"],
                "; ".join(r["notes"]),
            )
            for r in rows
        ],
        title=f"next {plural(count, 'fire date')}",
        drop_first=("days",),
    )


def _both(at: dict[str, str]) -> str:
    """`Fri 2026-11-20 19:00:00 EST = 2026-11-21 00:00 UTC`: the one moment format, and the UTC it is."""
    return f"{moment(at['new_york'])} = {at['utc'][:16].replace('T', ' ')} UTC"

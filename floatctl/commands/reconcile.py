"""`floatctl reconcile`: the night's collection-history against the Payments Service's own record."""

from __future__ import annotations

import typer

from floatctl.commands import options as opt
from floatctl.output import dollars, plural


def reconcile(ctx: typer.Context, date_: opt.NightDate = None) -> None:
    """Every key the night sent, looked up at Payments; exit 1 on any finding (-o json|csv for finance)."""
    from jobs import clock
    from jobs.finance.reconcile import reconcile_night
    from jobs.oncall.facts import resolve_night

    app_ctx = ctx.obj
    out = app_ctx.output
    out.banner(app_ctx.env)
    runtime = app_ctx.runtime()
    run_date = resolve_night(runtime, clock.now(), opt.night_date(date_))
    document = {"env": app_ctx.env, **reconcile_night(runtime, run_date)}
    findings = document["findings"]
    if out.is_json:
        out.json(document)
    else:
        columns = ("kind", "float_id", "idempotency_key", "payment_id", "amount", "detail")
        money = out.format != "csv"
        out.table(
            columns if money else (*columns[:4], "amount_cents", "detail"),
            [
                (
                    f["kind"],
                    f["float_id"],
                    f["idempotency_key"],
                    f["payment_id"] or "",
                    (dollars(f["amount_cents"]) if f["amount_cents"] is not None else "")
                    if money
                    else f["amount_cents"],
                    f["detail"],
                )
                for f in findings
            ],
            title=f"reconcile {app_ctx.env} run date {run_date}",
        )
        if out.format != "csv":
            out.line(
                f"{plural(document['keys_checked'], 'key')} checked, "
                f"{plural(document['payments_found'], 'payment')} at Payments, "
                f"{plural(len(findings), 'finding')}"
            )
    if findings:
        raise typer.Exit(1)

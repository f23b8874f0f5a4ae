"""`floatctl preflight`: can this environment run tonight? One line per check, with the fix."""

from __future__ import annotations

import typer


def preflight(ctx: typer.Context) -> None:
    """Schedule, task definition, image, roles, DLQ, secrets, databases, tables, services, calendar; non-zero on any fail."""
    from jobs import clock
    from jobs.oncall.preflight import run_checks

    app_ctx = ctx.obj
    out = app_ctx.output
    out.banner(app_ctx.env)
    checks = run_checks(app_ctx.runtime(), clock.now())
    failed = [c for c in checks if not c.ok]
    if out.is_json:
        out.json({"env": app_ctx.env, "ok": not failed, "checks": [c.as_json() for c in checks]})
    else:
        out.table(
            ("check", "result", "detail", "fix"),
            [(c.name, c.result, c.detail, "" if c.ok else c.fix) for c in checks],
            title=f"preflight {app_ctx.env}",
        )
        skipped = sum(c.skipped for c in checks)
        passed = len(checks) - len(failed) - skipped
        out.line(
            f"preflight: {passed} of {len(checks)} checks pass" + (f", {skipped} skipped" if skipped else "")
        )
    if failed:
        raise typer.Exit(1)

"""`floatctl locks list|show|release`: inspect leases and free stuck ones, with an audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from floatctl.output import duration, plural
from jobs.domain.keys import LOCK_KEY_FORMS as KEY_FORMS
from jobs.domain.keys import LOCK_NAMESPACES as NAMESPACES
from jobs.domain.keys import parse_lock_ref, parse_namespace
from jobs.errors import FloatctlError

app = typer.Typer(help="Inspect and release locks (DynamoDB, by Query; never Scan).", no_args_is_help=True)


def _views(app_ctx, namespaces):
    import time

    from jobs.oncall.locks import lock_views

    now = time.time()
    return lock_views(app_ctx.runtime(), namespaces, now), now


@app.command("list")
def list_(
    ctx: typer.Context,
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="job or float (default: both)")
    ] = None,
    stale: Annotated[bool, typer.Option("--stale", help="only expired or orphaned locks")] = False,
) -> None:
    """Every lock with owner, owner task, age, lease left and state (live, expired, orphaned)."""
    namespace = parse_namespace(namespace)
    views, now = _views(ctx.obj, [namespace] if namespace else NAMESPACES)
    if stale:
        views = [v for v in views if v.state != "live"]
    rows = [v.as_json(now) for v in views]
    out = ctx.obj.output
    if out.is_json:
        out.json({"env": ctx.obj.env, "locks": rows})
        return
    out.table(
        ("namespace", "key", "state", "layout", "owner", "owner task", "owner is", "age", "lease left"),
        [
            (
                r["namespace"],
                r["lock_key"],
                r["state"],
                r["layout"]["text"] if r["layout"] else "-",
                r["owner"],
                r["owner_task"],
                r["owner_state"],
                duration(r["age_s"]),
                _left(r["lease_left_s"]),
            )
            for r in rows
        ],
        title=plural(len(rows), "lock"),
        drop_first=("owner task", "owner is", "age", "namespace", "layout"),
    )


@app.command()
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help=KEY_FORMS)],
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="job or float (default: from KEY)")
    ] = None,
) -> None:
    """One lock, with the rvn that `locks release` needs."""
    import time

    from jobs.oncall.lock_view import view_lock

    app_ctx = ctx.obj
    ns, lock_key = parse_lock_ref(key, namespace)
    runtime = app_ctx.runtime()
    lease = runtime.locks().get(ns, lock_key)
    if lease is None:
        raise FloatctlError(f"no lock {ns}/{lock_key}")
    now = time.time()
    document = view_lock(lease, runtime.liveness(), now).as_json(now)
    out = app_ctx.output
    if out.is_json:
        out.json(document)
        return
    left = document.pop("lease_left_s")
    document["age"] = duration(document.pop("age_s"))
    document["lease left"] = _left(left)
    layout = document.pop("layout")
    fields = list(document.items())
    if layout:  # the job lock: the layout, and each shard in it now with its own holder and lease
        fields.append(("layout", layout["text"]))
        fields += [
            (
                f"shard {m['index']}",
                f"{m['state']}: run {m['owner']} on {m['owner_task']} (owner is {m['owner_state']}, "
                f"lease left {_left(m['lease_left_s'])})",
            )
            for m in layout["members"]
        ]
    out.fields(fields, title=f"lock {ns}/{lock_key}")


def _left(seconds: float) -> str:
    return duration(seconds) if seconds >= 0 else f"expired {duration(seconds)} ago"


@app.command()
def release(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help=KEY_FORMS)],
    rvn: Annotated[
        str, typer.Option("--rvn", help="the rvn `locks show` printed (proves you saw this lease)")
    ],
    reason: Annotated[str, typer.Option("--reason", help="why; goes to the audit ledger")],
    force: Annotated[bool, typer.Option("--force", help="release even a live lease")] = False,
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="job or float (default: from KEY)")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check everything, delete nothing")] = False,
) -> None:
    """Delete a lock conditionally on its rvn; a live lease needs --force; the release is audited."""
    import time

    from floatctl.confirm import confirm
    from jobs.oncall.locks import check_release, release_lock
    from jobs.oncall.policy import check_reason

    app_ctx = ctx.obj
    reason = check_reason(app_ctx.env, "lock.release", reason) or ""
    ns, lock_key = parse_lock_ref(key, namespace)
    runtime = app_ctx.runtime()
    now = time.time()
    view = check_release(runtime, ns, lock_key, rvn, force, now, shown_as=key)
    if dry_run:
        app_ctx.output.info(f"would release {ns}/{lock_key} ({view.state}); nothing changed")
        return
    operator = runtime.operator()
    confirm(app_ctx, f"release {ns}/{lock_key} ({view.state}, owner {view.lease.owner})?", yes)
    release_lock(runtime, view, reason, operator, now)
    app_ctx.output.info(f"released {ns}/{lock_key} (was {view.state}); audited as {operator}")

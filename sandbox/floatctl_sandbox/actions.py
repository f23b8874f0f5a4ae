"""What the `sandbox` commands do, kept apart from their typer faces."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from floatctl_sandbox.control import Sandbox
from floatctl_sandbox.scenario import Scenario, load_scenario
from floatctl_sandbox.seed import seed_scenario
from jobs.errors import DependencyError, UsageError

if TYPE_CHECKING:
    from jobs.settings import Settings


class Host(Protocol):
    """What the sandbox actions need from the command that calls them (floatctl's AppContext)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def output(self) -> Any: ...

    def aws(self) -> Any: ...


DEFAULT_FLOATS = 48
DEFAULT_SEED = 7
MANIFEST = "seed.json"


def float_count(sandbox: Sandbox) -> int:
    import psycopg

    with psycopg.connect(sandbox.dsn("main")) as conn:
        return conn.execute("SELECT count(*) FROM floats").fetchone()[0]


def load(app: Host, sandbox: Sandbox, scenario: Scenario) -> None:
    from floatctl_sandbox.load import apply_scenario

    apply_scenario(sandbox, app.settings, app.aws(), scenario, now=time.time())


def stop_tasks(app: Host, timeout_s: float = 30.0) -> int:
    """Stop every running local Fargate task of the sandbox's cluster (StopTask: SIGTERM, the drain)
    and wait until each is STOPPED; returns how many were stopped. A quiet sandbox for the next load."""
    ecs, cluster = app.aws().client("ecs"), app.settings.cluster
    arns = ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING").get("taskArns", [])
    for arn in arns:
        ecs.stop_task(cluster=cluster, task=arn, reason="sandbox: quiet before a new load")
    deadline = time.monotonic() + timeout_s
    while arns and time.monotonic() < deadline:
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
        if all(t["lastStatus"] == "STOPPED" for t in tasks):
            break
        time.sleep(0.2)
    return len(arns)


def seed_default(
    app: Host, sandbox: Sandbox, n: int, seed: int, run_date: date | None = None
) -> dict[str, Any]:
    """Replace the data with the default seed for `run_date` (today in New York by default)."""
    from jobs.domain.calendar import today_in_new_york

    if n < 0:
        raise UsageError("--floats must be 0 or more")
    run_date = run_date or today_in_new_york()
    scenario, manifest = seed_scenario(run_date, n=n, seed=seed)
    load(app, sandbox, scenario)
    summary = {
        "run_date": run_date.isoformat(),
        "floats": n,
        "seed": seed,
        "classes": {str(k): v for k, v in manifest.items()},
    }
    (sandbox.directory / MANIFEST).write_text(json.dumps(summary, indent=2))
    return summary


def seed_from_file(app: Host, sandbox: Sandbox, path: Path) -> Scenario:
    """Validate the whole file first, then replace the data with it."""
    scenario = load_scenario(path)
    load(app, sandbox, scenario)
    (sandbox.directory / MANIFEST).unlink(missing_ok=True)
    return scenario


def seed_if_needed(app: Host, sandbox: Sandbox) -> None:
    """Seed an empty sandbox, and refresh a default seed made for another run date (yesterday's)."""
    from jobs.domain.calendar import today_in_new_york

    try:
        manifest = json.loads((sandbox.directory / MANIFEST).read_text())
    except (OSError, ValueError):
        manifest = None
    stale = manifest is not None and manifest.get("run_date") != today_in_new_york().isoformat()
    if stale or float_count(sandbox) == 0:
        seed_default(app, sandbox, DEFAULT_FLOATS, DEFAULT_SEED)
        why = f" (the default seed was for {manifest.get('run_date')})" if stale and manifest else ""
        app.output.info(f"sandbox seeded with {DEFAULT_FLOATS} floats for today's run{why}")


def payments(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every payment the simulator holds: the ground truth for exactly-once checks."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(sandbox.dsn("services"), row_factory=dict_row) as conn:
        return list(
            conn.execute(
                "SELECT payment_id, float_id, user_id, amount_cents, effective_date, idempotency_key, created_at"
                " FROM payments ORDER BY created_at, payment_id"
            )
        )


def faults_request(sandbox: Sandbox, method: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read or change the simulator's faults through its admin endpoint."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{sandbox.services_url}/_sim/faults",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
        raise UsageError(f"the simulator refused the faults: {detail}") from None
    except OSError as exc:
        raise DependencyError(f"the simulator did not answer at {sandbox.services_url}: {exc}") from None

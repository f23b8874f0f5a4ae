"""`make reliability`: the reliability trials with large counts, printed as one table.

Starts its own sandbox in a temporary directory; exits non-zero if any promise broke.
Usage: python -m tests.faults.reliability [--kills 100] [--sigterms 20] [--only exactly-once]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=100, help="SIGKILLed runs before the clean run")
    parser.add_argument("--sigterms", type=int, default=20, help="SIGTERM trials")
    parser.add_argument(
        "--only", choices=("all", "exactly-once"), default="all", help="exactly-once: only issue 16's trials"
    )
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="frel-", dir="/tmp"))
    root.chmod(0o755)
    os.environ["FLOATCTL_SANDBOX_DIR"] = str(root / "sandbox")
    os.environ.pop("FLOATCTL_NOW", None)
    from floatctl.context import AppContext
    from floatctl.output import Output
    from floatctl_sandbox.control import ensure_running, stop
    from jobs.settings import Settings
    from tests.faults import (
        exactly_once,
        input_trials,
        moved_trials,
        partner_trials,
        run_trials,
        store_trials,
    )
    from tests.faults.harness import Harness

    sandbox, _ = ensure_running(root / "sandbox")
    app = AppContext(Settings.load(), Output(format="json"))
    app._sandbox = sandbox
    harness = Harness(sandbox, app)
    started = time.monotonic()
    try:
        trials = (
            []
            if args.only == "exactly-once"
            else [
                run_trials.crash_and_rerun(harness, kills=args.kills, seed=101),
                run_trials.concurrency(harness),
                run_trials.downstream_faults(harness, seed=7, floats=120),
                run_trials.graceful_stop(harness, trials=args.sigterms),
                input_trials.bad_inputs(harness, root),
                input_trials.prod_needs_confirmation(harness),
            ]
        )
        trials += [
            # Issue 16: the trials that would break each exactly-once promise (tests/faults/exactly_once.py).
            exactly_once.changed_mid_wait(harness, floats=24, rate=2),
            exactly_once.reread_window(harness, samples=300),
            exactly_once.replica_lags_on_one_field(harness),
            exactly_once.mixed_layouts(harness, floats=200),
            exactly_once.lost_replies(harness, floats=150),
            moved_trials.moved_due_dates(harness, floats=20),
            moved_trials.unknown_outcome_moved(harness, floats=20),
            exactly_once.paused_run(harness, floats=60),
            partner_trials.trickling_partner(harness),
            partner_trials.low_rate(harness),
            store_trials.stalled_stores(harness, stores=("dynamodb",), floats=30),
            store_trials.stalled_stores(harness, stores=("postgres",), floats=30),
            store_trials.stalled_stores(harness, floats=30),
            partner_trials.partner_answers(harness),
            partner_trials.refused_inputs(harness, root),
        ]
    finally:
        stop(root / "sandbox")
        shutil.rmtree(root, ignore_errors=True)
    rows = []
    for f in trials:
        rows.append(
            (
                f.name,
                f.runs,
                sum(f.kills.values()) or "",
                f.duplicates,
                f.lost + f.extra,
                f.unaccounted,
                f"{f.max_per_second} / {f.rate}",
                max(f.sigterm_exit_s, default="") or "",
                ", ".join(f"{k}={v}" for k, v in f.faults.items()) or "",
                "ok" if f.ok and not f.problems else "BROKEN",
            )
        )
    print(
        tabulate(
            rows,
            headers=(
                "trial",
                "runs",
                "kills",
                "duplicates (0)",
                "lost/extra (0)",
                "unaccounted (0)",
                "max/1s vs R",
                "SIGTERM exit s (≤25)",
                "faults / inputs",
                "promise",
            ),
            tablefmt="github",
        )
    )
    kills = {k: v for f in trials for k, v in f.kills.items()}
    print(f"\nkill points: {kills}; wall time {time.monotonic() - started:.0f} s")
    broken = [p for f in trials for p in f.problems] + [f.name for f in trials if not f.ok]
    for problem in broken:
        print(f"BROKEN: {problem}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

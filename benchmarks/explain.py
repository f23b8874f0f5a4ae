"""The profiles behind the missed targets in docs/performance.md (not part of `make bench`).

    python -m benchmarks.explain [--n 2000] [--out /tmp/floatctl-profiles]

1. Clustered ACH floats: a 2k-float run with 30 % needing ACH, all at the lowest ids, under a
   wall-clock profile of every thread. It shows how many worker-seconds the evaluation workers
   spend blocked handing a SUBMIT_ACH float to the full submission queue (jobs/batch/steps.py put_unless_stopped
   from Evaluator.one) while the skip-floats behind them wait.
2. Where a run's CPU goes: the same run spread evenly under a CPU profile (thread_time per thread).
"""

from __future__ import annotations

import argparse
import pstats
import sys
from pathlib import Path

from benchmarks.common import REPO, RUN_DATE, build_data, own_sandbox, run_process

RATE, EVAL_MS, SUBMIT_MS = 20, 20, 50


def _profile(bench, out: Path, wall: bool, workers: int) -> float:
    args = [
        sys.executable,
        "-m",
        "benchmarks.profile_run",
        str(out),
        *(["--wall"] if wall else []),
        "--",
        "-o",
        "json",
        "run",
        "day-before-ach",
        "--date",
        RUN_DATE.isoformat(),
        "--payment-submit-rate",
        str(RATE),
        "--workers",
        str(workers),
    ]
    proc = run_process(args, dict(bench.env, PYTHONPATH=str(REPO)), timeout=1800)
    if proc.code != 0:
        raise RuntimeError(proc.stderr[-500:])
    return proc.seconds() or proc.wall_s


def _cumulative(
    stats: pstats.Stats, file_part: str, function: str, largest: bool = False
) -> tuple[int, float]:
    """Calls and cumulative seconds of `function` in files matching `file_part` (summed, or the largest
    one when several functions of that name nest, like botocore's two User-Agent `to_string`)."""
    found = [
        (nc, ct)
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items()  # type: ignore[attr-defined]
        if file_part in filename and name == function
    ]
    if not found:
        return 0, 0.0
    if largest:
        return max(found, key=lambda f: f[1])
    return sum(f[0] for f in found), sum(f[1] for f in found)


def _callers_time(stats: pstats.Stats, file_part: str, function: str, caller: str) -> float:
    """Cumulative seconds of `function` when called from `caller` (pstats keeps per-caller totals)."""
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, _ct, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if file_part in filename and name == function:
            for (_cf, _cl, caller_name), value in callers.items():
                if caller_name == caller:
                    total += value[3]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--out", default="/tmp/floatctl-profiles")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    workers = 5
    with own_sandbox() as bench:
        data = build_data(args.n, 0.3, "start")
        bench.load(data)
        bench.faults(users_latency_ms=EVAL_MS, payments_latency_ms=SUBMIT_MS)
        makespan = _profile(bench, out / "start-wall.pstats", wall=True, workers=workers)
        stats = pstats.Stats(str(out / "start-wall.pstats"))
        _, evaluating = _cumulative(stats, "jobs/batch/run.py", "_evaluate_loop")
        blocked = _callers_time(stats, "jobs/batch/steps.py", "put_unless_stopped", "one")
        _, users = _cumulative(stats, "jobs/adapters/services.py", "debit_cards")
        bound = data.n_submit / RATE
        print(
            f"1. {args.n} floats, {data.n_submit} needing ACH at the lowest ids, R={RATE}/s, W={workers}, "
            f"t_eval={EVAL_MS} ms, t_submit={SUBMIT_MS} ms (profiled, so slower than unprofiled):"
        )
        print(
            f"   makespan {makespan:.1f} s; rate bound {bound:.1f} s; "
            f"evaluation bound {args.n * EVAL_MS / 1000 / workers:.1f} s"
        )
        print(
            f"   evaluation workers' wall time {evaluating:.1f} worker-s, of which blocked handing SUBMIT_ACH "
            f"floats to the full submission queue (put_unless_stopped from Evaluator.one) {blocked:.1f} worker-s "
            f"({100 * blocked / max(evaluating, 1e-9):.0f} %); in the users call {users:.1f} worker-s"
        )

        bench.load(build_data(args.n, 0.3, "even"))
        bench.faults(users_latency_ms=EVAL_MS, payments_latency_ms=SUBMIT_MS)
        _profile(bench, out / "even-cpu.pstats", wall=False, workers=workers)
        bench.faults()
        bench.reset_dynamodb()
    stats = pstats.Stats(str(out / "even-cpu.pstats"))
    total = stats.total_tt  # type: ignore[attr-defined]
    _, botocore = _cumulative(stats, "botocore/client.py", "_make_api_call")
    _, user_agent = _cumulative(stats, "botocore/useragent.py", "to_string", largest=True)
    _, signing = _cumulative(stats, "botocore/signers.py", "sign")
    _, http = _cumulative(stats, "jobs/adapters/services.py", "request")
    _, logging_ = _cumulative(stats, "logging/__init__.py", "emit")
    print(
        f"2. CPU of the same run spread evenly: {total:.1f} s profiled, of which DynamoDB calls through "
        f"botocore {100 * botocore / total:.0f} % (building the User-Agent header {100 * user_agent / total:.0f} %, "
        f"SigV4 signing {100 * signing / total:.0f} %), users/payments HTTP {100 * http / total:.0f} %, "
        f"log lines {100 * logging_ / total:.0f} %"
    )
    print(f"   profiles: {out}/start-wall.pstats, {out}/even-cpu.pstats (python -m pstats FILE)")


if __name__ == "__main__":
    main()

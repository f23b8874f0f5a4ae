"""Preview of 10k floats against N * t_eval / workers (the preview's own, higher `--workers`).

`floatctl -o json preview` on the sandbox with `users.latency_ms` = t_eval; the figure is the whole
process's wall time (start-up, paging, every rule of every float, the JSON document of 10k rows), so
it is an upper estimate of the evaluation itself.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import RUN_DATE, Bench, build_data

TARGET = 1.2
N = 10_000
EVAL_MS = 100
WORKERS = 12


def run(bench: Bench, n: int = N, eval_ms: int = EVAL_MS, workers: int = WORKERS) -> dict[str, Any]:
    bench.load(build_data(n, 0.3, "even"))
    bench.faults(users_latency_ms=eval_ms)
    try:
        proc = bench.floatctl(
            "preview",
            "--date",
            RUN_DATE.isoformat(),
            "--workers",
            str(workers),
            "--page-size",
            "200",
            timeout=1800,
        )
    finally:
        bench.faults()
    if proc.code != 0 or proc.document is None:
        raise RuntimeError(f"preview exited {proc.code}: {proc.stderr.strip()[-400:]}")
    rows = len(proc.document.get("rows", []))
    bound = n * eval_ms / 1000 / workers
    ratio = proc.wall_s / bound
    return {
        "n": n,
        "rows": rows,
        "eval_ms": eval_ms,
        "workers": workers,
        "bound_s": bound,
        "wall_s": proc.wall_s,
        "ratio": ratio,
        "target": TARGET,
        "ok": ratio <= TARGET and rows == n,
        "totals": proc.document.get("totals", {}),
    }

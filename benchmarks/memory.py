"""Memory flat in N: the run process's peak RSS at 100k floats against 10k.

Both runs use the same mix and fast latencies (no simulator delay, a rate far above what the run
reaches), so the process streams as fast as it can and any state kept per float would show.
Peak RSS is the child's own VmHWM, sampled while it runs (benchmarks/common.run_process says why not ru_maxrss).

The mix keeps the 100k run inside ~10 minutes on 2 cores (each float costs at least three DynamoDB
calls on the sandbox's moto): 90 % of the floats are invalid (amount 0: lock, SKIP_INVALID event,
release), 5 % have a valid card (the whole evaluation: re-fetch, history, users call) and 5 % need
ACH (the submission stage: renew, ACH_PENDING, Payments, SUBMITTED).
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Bench, Data, build_data

TARGET = 1.10
WORKERS = 16
RATE = 1000


def memory_data(n: int) -> Data:
    """5 % need ACH, 5 % have a valid primary card, the rest are invalid (amount 0)."""
    base = build_data(n, 0.05, "even")
    needs_ach = {row[1] for row in base.floats} - {card[1] for card in base.cards}
    floats, cards = [], []
    for i, (float_id, user, status, amount, due) in enumerate(base.floats):
        if user in needs_ach:
            floats.append((float_id, user, status, amount, due))
        elif i % 19 == 0:
            floats.append((float_id, user, status, amount, due))
            cards.append((f"c{user}", user, f"{user % 10_000:04d}", True, "ACTIVE", 12, 2030))
        else:
            floats.append((float_id, user, status, 0, due))
    return Data(floats, cards, len(needs_ach))


def measure(bench: Bench, n: int) -> dict[str, Any]:
    data = memory_data(n)
    bench.load(data)
    bench.faults()
    proc = bench.run(rate=RATE, workers=WORKERS, extra=("--page-size", "200"), timeout=3600)
    return {
        "n": n,
        "peak_rss_mb": proc.peak_rss_mb,
        "makespan_s": proc.seconds(),
        "wall_s": proc.wall_s,
        "cpu_s": proc.cpu_s,
        "floats_per_s": n / (proc.seconds() or proc.wall_s),
        "counts": proc.document.get("counts", {}),
    }


def run(bench: Bench, small: int = 10_000, large: int = 100_000) -> dict[str, Any]:
    a = measure(bench, small)
    b = measure(bench, large)
    ratio = b["peak_rss_mb"] / a["peak_rss_mb"]
    return {"small": a, "large": b, "ratio": ratio, "target": TARGET, "ok": ratio <= TARGET}

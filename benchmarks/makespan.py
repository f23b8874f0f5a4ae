"""Makespan of a real run on the sandbox against its lower bound, and the partner-rate figures of that run.

lower bound = max(N_submit / R, N * t_eval / W)      (issue 9; t_eval = the users-service latency)

Each row sets the simulator's `users.latency_ms` (t_eval) and `payments.latency_ms` (t_submit), loads
N floats of which a share needs ACH (the rest have a valid primary card), spread evenly over the ids
or all at the lowest ids, and runs `floatctl run day-before-ach` with a rate R and W workers chosen
so the row runs in tens of seconds:

- R ~ N_submit / D (D: the row's target length), capped so that the run's submitters
  (jobs/batch/run.py: min(64, 2R+1)) can keep R busy through a t_submit call (Little's law, 20 % slack);
- W = ceil(N * (t_eval + overhead) / (BETA * N_submit / R)), BETA = 0.5: the evaluation stage needs
  half the time the rate allows, so the row is rate-bound and evaluation has 2x headroom. `overhead`
  is measured first (eval_overhead): what a worker spends per float besides the users call — float
  lock, re-fetch, history query, event write, release — ~15 ms on the sandbox. Sized on t_eval alone,
  a 20 ms row would be evaluation-bound at (t_eval + overhead) / t_eval of its bound, whatever the
  pipeline did.

The makespan is the run's own started_at -> finished_at. `floor` is what the strict limiter itself
allows (jobs/batch/limiter.py): the first float is evaluated (t_eval), then R starts per 1.025 s window
(the 25 ms wire margin), then the last call takes t_submit:
floor = t_eval + 1.025 * (N_submit - 1) / R + t_submit. A perfect pipeline measures floor / bound.
(The job lock is free at the start of a row, so no takeover window is waited out.)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.common import Bench, build_data
from tests.faults.harness import max_in_window

TARGET = 1.05
RATE_TARGET_MAX = 1.0
RATE_TARGET_MEAN = 0.97
BETA = 0.5
WINDOW_S = 1.025  # jobs/batch/limiter.py: period + WIRE_MARGIN_SECONDS
MAX_SUBMITTERS = 64  # jobs/batch/run.py BatchOptions.submitter_count


@dataclass(frozen=True)
class Case:
    n: int
    share: float
    eval_ms: int
    submit_ms: int
    layout: str  # "even" or "start"
    length_s: float  # D: the rate bound the row aims at
    overhead_ms: float = 15.0  # what a worker spends per float besides the users call (eval_overhead)

    @property
    def n_submit(self) -> int:
        return round(self.share * self.n)

    @property
    def rate(self) -> int:
        cap = math.floor(0.8 * MAX_SUBMITTERS / (self.submit_ms / 1000 + 0.1))
        return max(1, min(cap, round(self.n_submit / self.length_s)))

    @property
    def workers(self) -> int:
        rate_bound = self.n_submit / self.rate
        per_float_s = (self.eval_ms + self.overhead_ms) / 1000
        return max(1, min(256, math.ceil(self.n * per_float_s / (BETA * rate_bound))))

    @property
    def rate_bound_s(self) -> float:
        return self.n_submit / self.rate

    @property
    def eval_bound_s(self) -> float:
        return self.n * self.eval_ms / 1000 / self.workers

    @property
    def bound_s(self) -> float:
        return max(self.rate_bound_s, self.eval_bound_s)

    @property
    def floor_s(self) -> float:
        if not self.n_submit:
            return 0.0
        # The first float's evaluation, then starts window/R apart, then the last call's latency.
        return self.eval_ms / 1000 + WINDOW_S * (self.n_submit - 1) / self.rate + self.submit_ms / 1000

    @property
    def rate_bound(self) -> bool:
        return self.rate_bound_s >= self.eval_bound_s


@dataclass
class Row:
    case: Case
    makespan_s: float | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    sandbox_cpu_s: float | None = None
    machine_busy: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    max_1s: int | None = None
    mean_rate: float | None = None
    tightest_s: float | None = None  # the shortest span holding R + 1 requests (< 1 s: over the rate)
    over_windows: int = 0  # requests that were the (R+1)-th or later inside one second
    timeline: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        return self.makespan_s / self.case.bound_s if self.makespan_s else None

    @property
    def floor_ratio(self) -> float:
        return self.case.floor_s / self.case.bound_s

    @property
    def ok(self) -> bool:
        return self.ratio is not None and self.ratio <= TARGET

    @property
    def rate_ok(self) -> bool | None:
        if self.max_1s is None:
            return None
        ok = self.max_1s / self.case.rate <= RATE_TARGET_MAX
        if self.case.rate_bound and self.mean_rate is not None:
            ok = ok and self.mean_rate / self.case.rate >= RATE_TARGET_MEAN
        return ok

    def as_json(self) -> dict[str, Any]:
        c = self.case
        return {
            **asdict(c),
            "n_submit": c.n_submit,
            "rate": c.rate,
            "workers": c.workers,
            "rate_bound_s": c.rate_bound_s,
            "eval_bound_s": c.eval_bound_s,
            "bound_s": c.bound_s,
            "floor_s": c.floor_s,
            "makespan_s": self.makespan_s,
            "wall_s": self.wall_s,
            "cpu_s": self.cpu_s,
            "sandbox_cpu_s": self.sandbox_cpu_s,
            "machine_busy": self.machine_busy,
            "ratio": self.ratio,
            "floor_ratio": self.floor_ratio,
            "ok": self.ok,
            "counts": self.counts,
            "max_1s": self.max_1s,
            "max_1s_ratio": self.max_1s / c.rate if self.max_1s is not None else None,
            "mean_rate": self.mean_rate,
            "mean_rate_ratio": self.mean_rate / c.rate if self.mean_rate else None,
            "tightest_s": self.tightest_s,
            "over_windows": self.over_windows,
            "rate_ok": self.rate_ok,
            "timeline": self.timeline,
            "error": self.error,
        }


def row_length(n: int, submit_ms: int) -> float:
    """The rate bound a row aims at. Even a perfect run pays ~0.5 s of start-up and first evaluation,
    the limiter's 2.5 % window margin and the last call's latency on top of the bound, so a row with
    1.5 s calls needs ~100 s before ≤ 1.05 is within reach; 50 ms calls need ~30 s."""
    if n > 2_000:
        return 150
    return 60 if submit_ms < 1000 else 100


def grid(level: str = "standard", overhead_ms: float = 15.0) -> list[Case]:
    """The rows: `full` is issue 9's whole factorial (32 rows, hours here); `standard` (make bench) is
    a half fraction at N=2k (every level of every factor four times, t_eval alternating so it is not
    confounded with any single factor) plus the clustered, slow-submission case at N=10k; `smoke` is
    two short rows."""
    if level == "smoke":
        return [
            Case(500, 0.3, 20, 50, "even", 8, overhead_ms),
            Case(500, 0.8, 150, 1500, "start", 8, overhead_ms),
        ]
    cases = []
    sizes = (2_000, 10_000) if level == "full" else (2_000,)
    for n in sizes:
        for a, share in enumerate((0.3, 0.8)):
            for b, submit_ms in enumerate((50, 1500)):
                length = row_length(n, submit_ms)
                for c, layout in enumerate(("even", "start")):
                    evals = (20, 150) if level == "full" else ((20, 150)[(a + b + c) % 2],)
                    for eval_ms in evals:
                        cases.append(Case(n, share, eval_ms, submit_ms, layout, length, overhead_ms))
    if level == "standard":
        cases.append(Case(10_000, 0.3, 150, 1500, "start", 150, overhead_ms))
    return cases


def run_case(bench: Bench, case: Case) -> Row:
    row = Row(case)
    data = build_data(case.n, case.share, case.layout)
    assert data.n_submit == case.n_submit, (data.n_submit, case.n_submit)
    bench.load(data)
    bench.faults(users_latency_ms=case.eval_ms, payments_latency_ms=case.submit_ms)
    meter = bench.cpu_meter().start()
    try:
        proc = bench.run(rate=case.rate, workers=case.workers, timeout=max(300, 6 * case.bound_s))
    except RuntimeError as exc:
        row.error = str(exc)[-300:]
        return row
    finally:
        meter.stop()
        bench.faults()
    row.sandbox_cpu_s = meter.sandbox_cpu_s
    row.machine_busy = meter.busy
    row.makespan_s = proc.seconds()
    row.wall_s = proc.wall_s
    row.cpu_s = proc.cpu_s
    row.counts = dict(proc.document.get("counts", {}))
    times = sorted(bench.request_times())
    if times:
        row.max_1s = max_in_window(times)
        span = times[-1] - times[0]
        row.mean_rate = (len(times) - 1) / span if span > 0 else None
        k = case.rate
        spans = [times[i + k] - times[i] for i in range(len(times) - k)]
        row.tightest_s = min(spans) if spans else None
        row.over_windows = sum(1 for s in spans if s < 1.0)
    row.timeline = timeline(proc, times, bench.float_events(), case)
    if row.counts.get("SUBMITTED", 0) != case.n_submit:
        row.error = f"submitted {row.counts.get('SUBMITTED', 0)} of {case.n_submit}: {row.counts}"
    return row


def timeline(
    proc: Any, requests: list[float], events: list[tuple[float, str]], case: Case
) -> dict[str, float]:
    """Where the makespan went, in seconds from the run's started_at: the first and last Payments
    request received, when the skip-floats were recorded, and the tail after the last submission."""
    from datetime import datetime

    doc = proc.document or {}
    if not doc.get("started_at") or not doc.get("finished_at"):
        return {}
    t0 = datetime.fromisoformat(doc["started_at"]).timestamp()
    end = datetime.fromisoformat(doc["finished_at"]).timestamp() - t0
    skips = [at - t0 for at, outcome in events if outcome.startswith("SKIP_")]
    out: dict[str, float] = {"finished": end}
    if requests:
        first, last = requests[0] - t0, requests[-1] - t0
        out.update(first_request=first, last_request=last, tail_after_last_request=end - last)
        if skips:
            out["skips_after_last_request"] = sum(1 for t in skips if t > last) / len(skips)
    if skips:
        out.update(first_skip=skips[0], median_skip=skips[len(skips) // 2], last_skip=skips[-1])
    return out


def eval_overhead(bench: Bench, n: int = 300, workers: int = 1) -> dict[str, float]:
    """What one evaluation worker spends per float besides the users call: lock, re-fetch, history
    query, event write, release (t_eval = 0, no submissions, one worker so nothing queues for CPU)."""
    data = build_data(n, 0.0)
    bench.load(data)
    bench.faults()
    proc = bench.run(rate=100, workers=workers)
    seconds = proc.seconds() or proc.wall_s
    return {"n": n, "workers": workers, "makespan_s": seconds, "per_float_ms": seconds * workers / n * 1000}

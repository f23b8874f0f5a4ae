"""The preview: the dry run finance reads. Every rule checked, locks read (never taken), no write, no payment."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from jobs import clock
from jobs.batch.options import BatchOptions
from jobs.domain.calendar import NEW_YORK, cutoff_at, fire_at
from jobs.domain.evaluation import EvaluationError, Sources, evaluate
from jobs.domain.leases import Lease, is_live
from jobs.domain.model import SKIP_LOCKED, SUBMIT_ACH, VERDICTS, Float
from jobs.domain.rules import RULES, Evaluation, RuleResult
from jobs.finance.preview_inputs import InputReader, PageInputs, reader_count

if TYPE_CHECKING:
    from jobs.adapters.locks import LockStore

ERROR = "ERROR"  # a rule's input could not be fetched; the real run would mark the float FAILED
PAGES_IN_FLIGHT = 2  # the page being evaluated and the next one, being read


@dataclass(frozen=True)
class PreviewRow:
    """One float in the preview."""

    float: Float
    verdict: str
    reason: str
    rules: tuple[RuleResult, ...]

    def as_json(self) -> dict[str, Any]:
        f = self.float
        return {
            "float_id": f.id,
            "user_id": f.user_id,
            "amount_cents": f.amount_cents,
            "due_date": f.due_date.isoformat() if f.due_date else None,
            "verdict": self.verdict,
            "reason": self.reason,
            "rules": {r.rule: {"result": r.status, "reason": r.reason} for r in self.rules},
        }


@dataclass
class Preview:
    """The rows, their totals per verdict, and whether the submissions fit before the cutoff."""

    options: BatchOptions
    rows: list[PreviewRow] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: clock.now().astimezone(NEW_YORK))

    def totals(self) -> dict[str, dict[str, int]]:
        counts: Counter[str] = Counter()
        amounts: Counter[str] = Counter()
        for row in self.rows:
            counts[row.verdict] += 1
            amounts[row.verdict] += max(row.float.amount_cents or 0, 0)
        order = [v for v in (*VERDICTS, ERROR) if counts[v]]
        return {v: {"count": counts[v], "amount_cents": amounts[v]} for v in order}

    def timing(self) -> dict[str, Any]:
        """Time the SUBMIT_ACH rows need at the rate, against the time left to the cutoff."""
        submits = sum(1 for r in self.rows if r.verdict == SUBMIT_ACH)
        needed_s = submits / self.options.payment_submit_rate if submits else 0.0
        run_date = self.options.run_date
        start = max(self.generated_at, fire_at(run_date))
        cutoff = cutoff_at(run_date)
        left_s = (cutoff - start).total_seconds()
        return {
            "submissions": submits,
            "rate_per_s": self.options.payment_submit_rate,
            "needed_s": round(needed_s, 1),
            "start_at": start.isoformat(),
            "cutoff_at": cutoff.isoformat(),
            "seconds_to_cutoff": round(left_s, 1),
            "fits": needed_s <= left_s,
        }

    def as_json(self, env: str, verdict: str | None = None) -> dict[str, Any]:
        window = self.options.window
        rows = [r for r in self.rows if verdict is None or r.verdict == verdict]
        return {
            "env": env,
            "run_date": self.options.run_date.isoformat(),
            "due_window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
            "rows": [r.as_json() for r in rows],
            "totals": self.totals(),
            "timing": self.timing(),
        }


def preview_options(settings: Any, run_date: date, **flags: Any) -> BatchOptions:
    """The options a preview runs with: the flags given, else the settings (env, then default).

    `workers` defaults to the preview's own thread count (it only reads), and a preview always covers
    the whole window (no shard), so CLI, TUI and `run --dry-run` preview the same floats.
    """
    flags.setdefault("workers", None)
    flags["workers"] = flags["workers"] or settings.preview_workers
    return BatchOptions(run_date=run_date, **settings.knobs(shard_index=0, shard_count=1, **flags))


def lock_verdict(lease: Lease | None, now: float, owner_is_dead: Callable[[str], bool]) -> str | None:
    """The reason a run would skip this float as SKIP_LOCKED, or None when it could take the lock.

    The run's acquire succeeds on a free lock, an expired lease or a provably dead owner
    (jobs.adapters.locks.LockStore.acquire): a lease that is not live (jobs.domain.leases.is_live).
    """
    if lease is None or not is_live(lease.lease_expires_at, now, lambda: owner_is_dead(lease.owner_task)):
        return None
    return (
        f"locked by run {lease.owner} on {lease.owner_task}, "
        f"{lease.lease_expires_at - now:.0f}s of lease left"
    )


def build_preview(
    options: BatchOptions,
    sources: Sources,
    workers: int = 16,
    locks: LockStore | None = None,
    evaluated: Callable[[int], None] | None = None,
) -> Preview:
    """Evaluate every float of the window with `workers` threads; rows come back in id order.

    Reader threads (jobs/finance/preview_inputs.py) read each float's re-fetch and history ahead, and
    the next page is read while the current one is evaluated, so the workers wait only on the users
    call. With `locks` (a LockStore), each page's float locks are read by one Query (never written):
    a float held by someone alive is SKIP_LOCKED, as the run would decide, so the SUBMIT_ACH set is the
    run's. `evaluated` is told how many floats each page added, once the page is done.
    """
    preview = Preview(options)
    window = options.window
    stop = threading.Event()

    def one(row: Float, inputs: PageInputs, page_sources: Sources) -> PreviewRow:
        evaluated_row = _evaluated(row, page_sources)
        if locks is None:
            return evaluated_row
        held = lock_verdict(inputs.lease(row.id), time.time(), locks.owner_is_dead)
        return evaluated_row if held is None else replace(evaluated_row, verdict=SKIP_LOCKED, reason=held)

    def _evaluated(row: Float, page_sources: Sources) -> PreviewRow:
        try:
            ev: Evaluation = evaluate(
                row, window, page_sources, options.max_ach_attempts, full=True, stop=stop
            )
            return PreviewRow(row, ev.verdict, ev.reason, ev.rules)
        except EvaluationError as exc:
            known = {r.rule: r for r in exc.results}
            known[exc.rule] = RuleResult(exc.rule, "error", exc.reason)
            rules = tuple(known.get(name) or RuleResult(name, "not_checked", "") for name in RULES)
            first_fail = next((r for r in rules if r.failed), None)
            if first_fail is not None and rules.index(first_fail) < RULES.index(exc.rule):
                # An earlier rule already decides, as the real run (which stops there) would.
                return PreviewRow(row, first_fail.verdict or ERROR, first_fail.reason, rules)
            return PreviewRow(row, ERROR, f"{exc.rule}: {exc.reason}", rules)

    def collect(page: list[Future[PreviewRow]]) -> None:
        preview.rows.extend(future.result() for future in page)
        if evaluated is not None:
            evaluated(len(page))

    reader = InputReader(sources, locks, reader_count(workers))
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="preview")
    in_flight: deque[list[Future[PreviewRow]]] = deque()
    try:
        for page in sources.floats.pages(window, options.page_size, options.shard_index, options.shard_count):
            inputs = reader.page(page)
            page_sources = inputs.sources(sources)
            in_flight.append([pool.submit(one, row, inputs, page_sources) for row in page])
            if len(in_flight) == PAGES_IN_FLIGHT:
                collect(in_flight.popleft())
        while in_flight:
            collect(in_flight.popleft())
    except BaseException:
        stop.set()  # a failed page or an interrupt: what is queued is not started, the users call stops
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=stop.is_set())
        reader.close(cancel=stop.is_set())
    return preview

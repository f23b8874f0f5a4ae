"""The preview: the dry run finance reads. Every rule checked, locks read (never taken), no write, no payment."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from jobs import clock
from jobs.batch.options import BatchOptions
from jobs.domain.calendar import NEW_YORK, cutoff_at, fire_at
from jobs.domain.evaluation import EvaluationError, Sources, evaluate
from jobs.domain.keys import FLOAT_NAMESPACE, float_lock_key
from jobs.domain.leases import Lease, is_live
from jobs.domain.model import SKIP_LOCKED, SUBMIT_ACH, VERDICTS, Float
from jobs.domain.rules import RULES, Evaluation, RuleResult

if TYPE_CHECKING:
    from jobs.adapters.locks import LockStore

ERROR = "ERROR"  # a rule's input could not be fetched; the real run would mark the float FAILED


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
    options: BatchOptions, sources: Sources, workers: int = 16, locks: LockStore | None = None
) -> Preview:
    """Evaluate every float of the window with `workers` threads; rows come back in id order.

    With `locks` (a LockStore), each float's lock is read (GetItem, never written): one held by someone
    alive is the float's verdict, SKIP_LOCKED, as the run would decide, so the SUBMIT_ACH set is the run's.
    """
    preview = Preview(options)
    window = options.window
    stop = threading.Event()

    def one(row: Float) -> PreviewRow:
        evaluated = _evaluated(row)
        if locks is None:
            return evaluated
        held = lock_verdict(
            locks.get(FLOAT_NAMESPACE, float_lock_key(row.id)), time.time(), locks.owner_is_dead
        )
        return evaluated if held is None else replace(evaluated, verdict=SKIP_LOCKED, reason=held)

    def _evaluated(row: Float) -> PreviewRow:
        try:
            ev: Evaluation = evaluate(row, window, sources, options.max_ach_attempts, full=True, stop=stop)
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

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="preview") as pool:
        for page in sources.floats.pages(window, options.page_size, options.shard_index, options.shard_count):
            preview.rows.extend(pool.map(one, page))
    return preview

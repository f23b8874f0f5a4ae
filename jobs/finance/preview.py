"""The preview: the dry run finance reads. Every rule checked, no lock, no write, no payment."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobs import clock
from jobs.batch.run import BatchOptions
from jobs.domain.calendar import NEW_YORK, cutoff_at, fire_at
from jobs.domain.evaluation import EvaluationError, Sources, evaluate
from jobs.domain.model import SUBMIT_ACH, VERDICTS, Float
from jobs.domain.rules import RULES, Evaluation, RuleResult

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


def build_preview(options: BatchOptions, sources: Sources, workers: int = 16) -> Preview:
    """Evaluate every float of the window with `workers` threads; rows come back in id order."""
    preview = Preview(options)
    window = options.window
    stop = threading.Event()

    def one(row: Float) -> PreviewRow:
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

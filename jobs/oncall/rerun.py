"""What a relaunch will do, in money: the floats it will submit or resubmit, totals, time vs the cutoff.

The prediction is the preview (every rule, locks read: the run's own decision) of the night's
SUBMIT_ACH floats, each labelled by what collection-history says happened to it before tonight's
rerun: never reached, sent without an answer (ACH_PENDING: the same idempotency key goes again and
Payments answers the one payment), or FAILED before (a new attempt, within the cap).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from jobs.domain.model import SUBMIT_ACH, FloatHistory
from jobs.oncall.ports import OncallRuntime

NEVER_REACHED = "never reached"
RESEND_PENDING = "resend ACH_PENDING"
RESUBMIT_FAILED = "resubmit after FAILED"
KINDS = (NEVER_REACHED, RESEND_PENDING, RESUBMIT_FAILED)


@dataclass(frozen=True)
class RerunFloat:
    float_id: int
    amount_cents: int
    due_date: date | None
    kind: str
    attempts: int

    def as_json(self) -> dict[str, Any]:
        return {
            "float_id": self.float_id,
            "amount_cents": self.amount_cents,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "kind": self.kind,
            "attempts": self.attempts,
        }


def kind_of(history: FloatHistory) -> str:
    if history.pending_key:
        return RESEND_PENDING
    return RESUBMIT_FAILED if history.ach_attempts else NEVER_REACHED


def predict(preview: Any, history_of: Callable[[int, date], FloatHistory]) -> dict[str, Any]:
    """The rerun's plan from a preview of the night: floats, totals per kind and overall, timing."""
    floats = []
    for row in preview.rows:
        if row.verdict != SUBMIT_ACH:
            continue
        f = row.float
        history = history_of(f.id, f.due_date)
        floats.append(
            RerunFloat(f.id, max(f.amount_cents or 0, 0), f.due_date, kind_of(history), history.ach_attempts)
        )
    counts: Counter[str] = Counter(r.kind for r in floats)
    amounts: Counter[str] = Counter()
    for r in floats:
        amounts[r.kind] += r.amount_cents
    return {
        "floats": [r.as_json() for r in floats],
        "by_kind": {k: {"count": counts[k], "amount_cents": amounts[k]} for k in KINDS if counts[k]},
        "total": {"count": len(floats), "amount_cents": sum(r.amount_cents for r in floats)},
        "timing": preview.timing(),
    }


def plan_rerun(runtime: OncallRuntime, settings: Any, run_date: date) -> dict[str, Any]:
    """Preview the night as the relaunch will see it (settings' knobs, locks read) and predict it."""
    from jobs.finance.preview import build_preview, preview_options

    options = preview_options(settings, run_date)
    preview = build_preview(options, runtime.sources(), workers=options.workers, locks=runtime.locks())
    return predict(preview, runtime.history().float_history)


def plan_relaunch(runtime: OncallRuntime, settings: Any, run_date: date, now: Any) -> dict[str, Any]:
    """What a launch of `run_date` at `now` would do, from one preview: `rerun` (predict) and, past the
    cutoff, `late` (jobs.oncall.late.late_impact; None before it). The TUI's Launch screen shows both."""
    from jobs.finance.preview import build_preview, preview_options
    from jobs.oncall.late import late_impact
    from jobs.oncall.policy import past_cutoff

    options = preview_options(settings, run_date)
    preview = build_preview(options, runtime.sources(), workers=options.workers, locks=runtime.locks())
    return {
        "rerun": predict(preview, runtime.history().float_history),
        "late": late_impact(preview, now) if past_cutoff(run_date, now) else None,
    }

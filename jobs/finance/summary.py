"""Finance hears about the night: one summary per finished run (and per watch page) on an SNS topic.

Counts, the amount submitted, the FAILED floats, and the diff against the preview finance signed off
(when one was saved for the run date). Publishing never changes the run's outcome: a summary that
cannot be sent is logged and `floatctl history --run ID` still has everything.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from jobs.domain.calendar import due_window
from jobs.domain.model import FAILED
from jobs.domain.records import FloatEvent, RunRecord
from jobs.finance.diff import compare_outcomes, keep_outcome
from jobs.finance.ports import FinanceRuntime
from jobs.words import plural

if TYPE_CHECKING:
    from jobs.adapters.previews import PreviewStore

log = logging.getLogger("jobs.finance.summary")

MAX_FAILED_LISTED = 50  # the message stays small; `floatctl history --run ID` has them all


@dataclass
class RunTally:
    """What the summary needs of a run's float events, folded as they page in.

    A run writes an event per float (100k a night at scale): holding them all to count a few figures
    made the run's peak memory grow with the night (docs/performance.md, Memory). Only the FAILED
    floats' ids are kept, and each float's outcome only when there is a signed-off preview to compare
    it with, float by float.
    """

    failed: set[int] = field(default_factory=set)
    outcomes: dict[int, FloatEvent] | None = None  # each float's outcome (diff.keep_outcome)

    @classmethod
    def of(cls, events: Iterable[FloatEvent], keep_outcomes: bool) -> RunTally:
        tally = cls(outcomes={} if keep_outcomes else None)
        for event in events:
            if event.outcome == FAILED:
                tally.failed.add(event.float_id)
            if tally.outcomes is not None:
                keep_outcome(tally.outcomes, event)
        return tally


def night_summary(
    env: str,
    run: RunRecord,
    tally: RunTally,
    signed_off: tuple[str, dict[str, Any]] | None,
    why: str = "run finished",
) -> dict[str, Any]:
    """The summary document: what the run did, and how it compares with what finance signed off."""
    failed = sorted(tally.failed)
    summary: dict[str, Any] = {
        "env": env,
        "why": why,
        "run_id": run.run_id,
        "run_date": run.run_date.isoformat(),
        "due_date": run.due_date.isoformat(),
        "status": run.status,
        "counts": dict(sorted(run.counts.items())),
        "submitted_amount_cents": run.submitted_amount_cents,
        "failed_floats": failed[:MAX_FAILED_LISTED],
        "failed_count": len(failed),
        "signed_off_preview": None,
    }
    summary["signed_off_preview"] = _against(signed_off, tally.outcomes or {})
    return summary


def _against(
    signed_off: tuple[str, dict[str, Any]] | None, outcomes: dict[int, FloatEvent]
) -> dict[str, Any] | None:
    if signed_off is None:
        return None
    where, preview = signed_off
    diffs, totals = compare_outcomes(preview, outcomes)
    differing = {s: sum(1 for d in diffs if d.status == s) for s in ("changed", "new", "missing")}
    return {"where": where, "totals": totals, "differing": differing}


NO_RUN = "NO RUN"


def no_run_summary(
    env: str, run_date: date, signed_off: tuple[str, dict[str, Any]] | None, why: str
) -> dict[str, Any]:
    """The summary of a night without any run (the watch paged about it): nothing was submitted, and
    against the signed-off preview every float it listed is missing."""
    return {
        "env": env,
        "why": why,
        "run_id": None,
        "run_date": run_date.isoformat(),
        "due_date": due_window(run_date).end.isoformat(),
        "status": NO_RUN,
        "counts": {},
        "submitted_amount_cents": 0,
        "failed_floats": [],
        "failed_count": 0,
        "signed_off_preview": _against(signed_off, {}),
    }


def subject_and_message(summary: dict[str, Any]) -> tuple[str, str]:
    """A one-line subject and a plain message for email or chat, the JSON document after it."""
    dollars = f"${summary['submitted_amount_cents'] / 100:,.2f}"
    submitted = summary["counts"].get("SUBMITTED", 0)
    subject = (
        f"floatctl {summary['env']} day-before-ach {summary['run_date']}: {summary['status']}, "
        f"{plural(submitted, 'ACH payment')} {dollars}, {summary['failed_count']} FAILED"
    )
    ran = f"run {summary['run_id']}" if summary["run_id"] else "no run happened for this run date"
    lines = [subject, f"{ran} ({summary['why']})"]
    preview = summary["signed_off_preview"]
    if preview is None:
        lines.append("no signed-off preview was saved for this run date")
    else:
        delta = preview["totals"]["delta"]
        lines.append(
            f"against the signed-off preview {preview['where']}: delta {delta['count']:+d} ACH, "
            f"{delta['amount_cents'] / 100:+,.2f} USD; "
            + ", ".join(f"{k} {v}" for k, v in preview["differing"].items())
        )
    if summary["failed_floats"]:
        lines.append("FAILED floats: " + ", ".join(map(str, summary["failed_floats"])))
    return subject, "\n".join(lines) + "\n\n" + json.dumps(summary, indent=2, default=str)


def publish(
    runtime: FinanceRuntime, run: RunRecord, store: PreviewStore, why: str = "run finished"
) -> str | None:
    """Build and publish the summary of `run` (its record, as the caller just wrote or read it); the
    SNS message id, or None when it was not sent."""
    from jobs.errors import FloatctlError

    try:
        env = runtime.settings.env
        signed_off = _signed_off(store, env, run.run_date)
        tally = RunTally.of(runtime.history().run_events(run.run_id), keep_outcomes=signed_off is not None)
        return _send(runtime, night_summary(env, run, tally, signed_off, why))
    except Exception as exc:  # the summary never changes how the run ended
        why = exc.message if isinstance(exc, FloatctlError) else f"{type(exc).__name__}: {exc}"
        log.warning("the finance summary was not sent: %s", why, extra={"run_id": run.run_id})
        return None


def publish_no_run(runtime: FinanceRuntime, run_date: date, store: PreviewStore, why: str) -> str | None:
    """Tell finance that `run_date` had no run at all (the watch paged about it); the SNS message id,
    or None when it was not sent (logged: it never changes what the watch decided)."""
    from jobs.errors import FloatctlError

    try:
        signed_off = _signed_off(store, runtime.settings.env, run_date)
        return _send(runtime, no_run_summary(runtime.settings.env, run_date, signed_off, why))
    except Exception as exc:
        reason = exc.message if isinstance(exc, FloatctlError) else f"{type(exc).__name__}: {exc}"
        log.warning("the finance summary was not sent: %s", reason, extra={"run_date": str(run_date)})
        return None


def _signed_off(store: PreviewStore, env: str, run_date: date) -> tuple[str, dict[str, Any]] | None:
    from jobs.errors import FloatctlError
    from jobs.finance import signoff

    try:
        return signoff.latest(store, env, run_date)
    except FloatctlError:
        return None  # none saved (or unreadable): the summary says so


def _send(runtime: FinanceRuntime, summary: dict[str, Any]) -> str:
    subject, message = subject_and_message(summary)
    return runtime.finance_topic().publish(subject, message)

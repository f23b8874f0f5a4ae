"""Evaluate one float: gather each rule's input (re-fetch, history, cards) and apply the rules.

A real run stops gathering at the first failing rule; the preview (`full=True`) checks every rule
whose input exists, so finance sees each rule's result.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from jobs.domain import rules
from jobs.domain.calendar import DueWindow
from jobs.domain.model import Float, FloatHistory
from jobs.domain.rules import Evaluation, RuleResult, not_checked


class EvaluationError(Exception):
    """A rule's input could not be fetched (a service or database failed after its retries)."""

    def __init__(self, rule: str, reason: str, results: tuple[RuleResult, ...] = ()) -> None:
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason
        self.results = results  # the rules checked before the failure


@dataclass(frozen=True)
class Sources:
    """Where the rules' inputs come from."""

    floats: Any  # FloatsStore: refetch(id)
    history: (
        Any  # HistoryStore: float_history(id, due) -- None reads as an empty history (sandbox-free unit use)
    )
    users: Any  # UsersClient: debit_cards(user_id)


def evaluate(
    row: Float,
    window: DueWindow,
    sources: Sources,
    max_attempts: int,
    *,
    full: bool = False,
    stop: threading.Event | None = None,
) -> Evaluation:
    """The verdict for `row` and every rule's result behind it."""
    results: list[RuleResult] = [rules.check_validity(row, window)]
    try:
        return _evaluate(row, window, sources, max_attempts, full, stop, results)
    except EvaluationError as exc:
        exc.results = tuple(results)
        raise


def _evaluate(
    row: Float,
    window: DueWindow,
    sources: Sources,
    max_attempts: int,
    full: bool,
    stop: threading.Event | None,
    results: list[RuleResult],
) -> Evaluation:

    def done() -> bool:
        return not full and results[-1].failed

    if done():
        return rules.decide(row, results)
    current = _fetch("refetch", lambda: sources.floats.refetch(row.id))
    results.append(rules.check_refetch(row, current))
    if done():
        return rules.decide(row, results)
    history = FloatHistory()
    if row.due_date is None:
        results.append(not_checked("history", "no due date"))
    else:
        history = (
            _fetch("history", lambda: sources.history.float_history(row.id, row.due_date))
            if sources.history is not None
            else FloatHistory()
        )
        results.append(rules.check_history(history, max_attempts, row.due_date))
    if done():
        return rules.decide(row, results)
    # The card rule asks about main's user: the replica's may lag (the payment would go to main's too).
    user_id = current.user_id if current is not None else row.user_id
    if user_id is None or row.due_date is None:
        results.append(not_checked("debit_card", "no user or due date"))
    else:
        cards = _fetch("debit_card", lambda: sources.users.debit_cards(user_id, stop=stop))
        results.append(rules.check_debit_card(cards, row.due_date, history.pending_key))
    return rules.decide(row, results)


def _fetch(rule: str, call: Any) -> Any:
    """An input of `rule`; a failed fetch is EvaluationError (the float fails, the run goes on).

    The adapters translate their drivers' errors once (psycopg, botocore, urllib3 -> jobs.errors), so
    only the project's errors are caught here; anything else is a bug and reaches the worker's log.
    """
    from jobs.errors import FloatctlError, ServiceError

    try:
        return call()
    except (ServiceError, FloatctlError) as exc:
        raise EvaluationError(rule, str(exc)) from None


def recheck(row: Float, sources: Sources, max_attempts: int) -> RuleResult | None:
    """The guards again, at submission time under a fresh float lock: the failing result, or None.

    Between evaluation and submission the float waited unlocked in the backlog, so another run may
    have paid it or main may have moved on. The debit-card rule is not asked again (docs/decisions/
    submission-backlog.md); exactly-once rests on the lock, these guards and the idempotency key.
    """
    assert row.due_date is not None
    refetch = rules.check_refetch(row, _fetch("refetch", lambda: sources.floats.refetch(row.id)))
    if refetch.failed:
        return refetch
    history = _fetch("history", lambda: sources.history.float_history(row.id, row.due_date))
    result = rules.check_history(history, max_attempts, row.due_date)
    return result if result.failed else None

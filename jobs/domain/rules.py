"""The rules (docs/rules-and-verdicts.md), pure functions in their order. The first failing rule decides the verdict.

Each rule returns a RuleResult with a human reason, so the preview can show every rule's result.
A rule whose input is missing (the batch short-circuited, or an earlier rule made it meaningless)
is `not_checked`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as date_type

from jobs.domain.calendar import DueWindow
from jobs.domain.model import (
    SCHEDULING,
    SKIP_ALREADY_SUBMITTED,
    SKIP_ATTEMPT_CAP,
    SKIP_INVALID,
    SKIP_STALE,
    SKIP_VALID_CARD,
    SUBMIT_ACH,
    Card,
    Float,
    FloatHistory,
)

RULES = ("validity", "refetch", "history", "debit_card")


@dataclass(frozen=True)
class RuleResult:
    """One rule's result: passed, failed (with the verdict it gives), or not checked."""

    rule: str
    status: str  # "pass" | "fail" | "not_checked"
    reason: str
    verdict: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "fail"


@dataclass(frozen=True)
class Evaluation:
    """The verdict for one float and every rule's result behind it."""

    float: Float
    verdict: str
    reason: str
    rules: tuple[RuleResult, ...]

    def rule(self, name: str) -> RuleResult:
        return next(r for r in self.rules if r.rule == name)


def _pass(rule: str, reason: str) -> RuleResult:
    return RuleResult(rule, "pass", reason)


def _fail(rule: str, verdict: str, reason: str) -> RuleResult:
    return RuleResult(rule, "fail", reason, verdict)


def not_checked(rule: str, reason: str = "not checked") -> RuleResult:
    return RuleResult(rule, "not_checked", reason)


def check_validity(row: Float, window: DueWindow) -> RuleResult:
    """Amount > 0, user present, SCHEDULING, due date inside the window."""
    if row.status != SCHEDULING:
        return _fail("validity", SKIP_INVALID, f"status is {row.status!r}, not SCHEDULING")
    if row.amount_cents is None:
        return _fail("validity", SKIP_INVALID, "amount_cents is missing")
    if row.amount_cents <= 0:
        return _fail("validity", SKIP_INVALID, f"amount_cents is {row.amount_cents} (must be > 0)")
    if row.user_id is None:
        return _fail("validity", SKIP_INVALID, "user_id is missing")
    if row.due_date is None:
        return _fail("validity", SKIP_INVALID, "due_date is missing")
    if not window.contains(row.due_date):
        return _fail(
            "validity",
            SKIP_INVALID,
            f"due {row.due_date} is outside the window {window.start}..{window.end}",
        )
    return _pass("validity", "amount, user and due date are valid")


def check_refetch(row: Float, current: Float | None) -> RuleResult:
    """Main (the primary) agrees with the replica on every field the payment uses: status, user, due date,
    amount. Debiting the replica's user when main has another is the worst outcome this job can have."""
    if current is None:
        return _fail("refetch", SKIP_STALE, "the float is gone from main")
    if current.status != SCHEDULING:
        return _fail("refetch", SKIP_STALE, f"main says status {current.status!r} (replica lags)")
    if current.user_id != row.user_id:
        return _fail("refetch", SKIP_STALE, f"main says user {current.user_id}, replica {row.user_id}")
    if current.due_date != row.due_date:
        return _fail("refetch", SKIP_STALE, f"main says due {current.due_date}, replica {row.due_date}")
    if current.amount_cents != row.amount_cents:
        return _fail(
            "refetch", SKIP_STALE, f"main says amount {current.amount_cents}, replica {row.amount_cents}"
        )
    return _pass("refetch", "main agrees with the replica")


def check_history(history: FloatHistory, max_attempts: int, due_date: date_type | None = None) -> RuleResult:
    """No ACH submitted for this float (any due date, unless returned), and fewer attempts than the cap."""
    if history.already_submitted:
        payment = f" (payment {history.payment_id})" if history.payment_id else ""
        due = history.submitted_due_date
        if due is not None and due != due_date:
            return _fail(
                "history",
                SKIP_ALREADY_SUBMITTED,
                f"ACH already submitted for the earlier due date {due}{payment}, not returned",
            )
        return _fail("history", SKIP_ALREADY_SUBMITTED, f"ACH already submitted for this due date{payment}")
    if history.other_pending_key:
        return _fail(
            "history",
            SKIP_ALREADY_SUBMITTED,
            f"an ACH under {history.other_pending_key} may hold a payment (sent, outcome unknown): "
            "no other due date is paid until Payments is read back",
        )
    if history.ach_attempts >= max_attempts:
        return _fail(
            "history", SKIP_ATTEMPT_CAP, f"{history.ach_attempts} ACH attempts already (cap {max_attempts})"
        )
    if history.pending_key:
        return _pass(
            "history", "an earlier attempt under this key may have been paid: resubmitting with the same key"
        )
    return _pass("history", f"{history.ach_attempts} earlier ACH attempts (cap {max_attempts})")


def check_debit_card(
    cards: Sequence[Card], due_date: date_type, pending_key: str | None = None
) -> RuleResult:
    """A valid primary debit card means the card path collects it; otherwise ACH is needed.

    An ACH left pending by a crashed run may already be with Payments: it is resolved with the same
    key before anything else, whatever cards the user has now.
    """
    if pending_key:
        return _pass("debit_card", "an ACH is pending under this float's key: resolve it first")
    primaries = [c for c in cards if c.is_primary]
    for card in primaries:
        if card.valid_on(due_date):
            return _fail(
                "debit_card",
                SKIP_VALID_CARD,
                f"primary card {card.masked} is ACTIVE through {card.exp_month:02d}/{card.exp_year}",
            )
    if not cards:
        return _pass("debit_card", "no debit card on file")
    if not primaries:
        return _pass("debit_card", "no primary debit card")
    card = primaries[0]
    if card.status != "ACTIVE":
        return _pass("debit_card", f"primary card {card.masked} is {card.status}")
    return _pass("debit_card", f"primary card {card.masked} expires {card.exp_month:02d}/{card.exp_year}")


def decide(row: Float, results: Sequence[RuleResult]) -> Evaluation:
    """The first failing rule decides; all rules passing means SUBMIT_ACH."""
    by_name = {r.rule: r for r in results}
    ordered = tuple(by_name.get(name) or not_checked(name) for name in RULES)
    for result in ordered:
        if result.failed:
            assert result.verdict is not None
            return Evaluation(row, result.verdict, result.reason, ordered)
    if any(r.status == "not_checked" for r in ordered):
        missing = [r.rule for r in ordered if r.status == "not_checked"]
        raise ValueError(f"cannot decide float {row.id}: rules not checked: {', '.join(missing)}")
    return Evaluation(row, SUBMIT_ACH, f"submit next-day ACH: {ordered[-1].reason}", ordered)

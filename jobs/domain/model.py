"""The batch's domain types: floats, cards, what history says, verdicts and outcomes. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

SUBMIT_ACH = "SUBMIT_ACH"
SKIP_INVALID = "SKIP_INVALID"
SKIP_STALE = "SKIP_STALE"
SKIP_ALREADY_SUBMITTED = "SKIP_ALREADY_SUBMITTED"
SKIP_ATTEMPT_CAP = "SKIP_ATTEMPT_CAP"
SKIP_VALID_CARD = "SKIP_VALID_CARD"
SKIP_LOCKED = "SKIP_LOCKED"
VERDICTS = (
    SUBMIT_ACH,
    SKIP_INVALID,
    SKIP_STALE,
    SKIP_ALREADY_SUBMITTED,
    SKIP_ATTEMPT_CAP,
    SKIP_VALID_CARD,
    SKIP_LOCKED,
)

ACH_PENDING = "ACH_PENDING"
SUBMITTED = "SUBMITTED"
FAILED = "FAILED"
# What a real run ends with per float: a payment, a failure, or the skip verdict.
OUTCOMES = (SUBMITTED, FAILED, *[v for v in VERDICTS if v != SUBMIT_ACH])
ACH_ATTEMPT_OUTCOMES = (SUBMITTED, FAILED)
# Written when Payments reports a submitted ACH returned or failed (reconciliation): it no longer blocks.
ACH_RETURNED = "ACH_RETURNED"
# Written when Payments already holds a payment under our key that we had not recorded (a 409 read-back).
ACH_FOUND = "ACH_FOUND"
# Written when a read-back finds no payment under a key whose outcome was unknown: it no longer blocks.
ACH_NOT_FOUND = "ACH_NOT_FOUND"
SCHEDULING = "SCHEDULING"


@dataclass(frozen=True)
class Float:
    """One row of the floats table; any column may be malformed (None, negative, ...)."""

    id: int
    user_id: int | None
    status: str | None
    amount_cents: int | None
    due_date: date | None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Card:
    """A debit card from the User Service."""

    card_id: str
    last4: str
    is_primary: bool
    status: str
    exp_month: int
    exp_year: int

    def valid_on(self, day: date) -> bool:
        """ACTIVE and not expired on `day` (a card is good through the last day of its month)."""
        return self.status == "ACTIVE" and (self.exp_year, self.exp_month) >= (day.year, day.month)

    @property
    def masked(self) -> str:
        return f"••{self.last4}"


@dataclass(frozen=True)
class FloatHistory:
    """What collection-history says about one float for one due date (and the ACHs of its other due dates)."""

    already_submitted: bool = False
    ach_attempts: int = 0
    pending_key: str | None = None
    payment_id: str | None = None
    #: The due date of the ACH that blocks this one, when it was submitted for another due date.
    submitted_due_date: date | None = None
    #: An ACH_PENDING of another due date without an outcome: that key may have been paid.
    other_pending_key: str | None = None

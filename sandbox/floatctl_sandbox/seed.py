"""The default sandbox data: deterministic, sized by N, hitting every verdict (docs/rules-and-verdicts.md)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from floatctl_sandbox.scenario import CardRow, FloatRow, HistoryRow, LockRow, Scenario
from jobs.domain.calendar import due_window
from jobs.domain.keys import float_lock_key

# Each class and the verdict a run gives it. Every class appears at least once when N >= len(CLASSES).
CLASSES = {
    "no_card": "SUBMIT_ACH",
    "valid_card": "SKIP_VALID_CARD",
    "expired_card": "SUBMIT_ACH",
    "inactive_card": "SUBMIT_ACH",
    "blocked_card": "SUBMIT_ACH",
    "secondary_card_only": "SUBMIT_ACH",
    "attempt_cap": "SKIP_ATTEMPT_CAP",
    "already_submitted": "SKIP_ALREADY_SUBMITTED",
    "stale_on_replica": "SKIP_STALE",
    "invalid_amount": "SKIP_INVALID",
    "missing_user": "SKIP_INVALID",
    "held_lock": "SKIP_LOCKED",
}
# After one of each, the rest are drawn with these weights (mostly the two common cases).
FILL = (("no_card", 5), ("valid_card", 4), ("expired_card", 1), ("inactive_card", 1))


def seed_scenario(run_date: date, n: int = 48, seed: int = 7) -> tuple[Scenario, dict[int, str]]:
    """The scenario for `run_date`, and each float's class (for tests and `sandbox status`)."""
    rng = random.Random(seed)
    window = due_window(run_date)
    days = window.days()
    classes = list(CLASSES)[:n] + rng.choices(
        [c for c, _ in FILL], weights=[w for _, w in FILL], k=max(0, n - len(CLASSES))
    )
    rng.shuffle(classes)
    floats, cards, history, locks = [], [], [], []
    manifest: dict[int, str] = {}
    float_id = 1000
    for i, kind in enumerate(classes):
        float_id += rng.randint(1, 9)  # ids with gaps, as a real table has
        user_id = 50_000 + i
        due = days[i % len(days)]
        amount = rng.randrange(2_000, 50_000, 25)
        manifest[float_id] = kind
        row = {
            "id": float_id,
            "user_id": user_id,
            "status": "SCHEDULING",
            "amount_cents": amount,
            "due_date": due,
        }
        card = {
            "user_id": user_id,
            "card_id": f"card-{user_id}",
            "last4": f"{rng.randint(0, 9999):04d}",
            "is_primary": True,
            "status": "ACTIVE",
            "exp_month": rng.randint(1, 12),
            "exp_year": due.year + 2,
        }
        if kind == "valid_card":
            cards.append(CardRow(**card))
        elif kind == "expired_card":
            before = due.replace(day=1) - timedelta(days=1)
            cards.append(CardRow(**{**card, "exp_month": before.month, "exp_year": before.year}))
        elif kind == "inactive_card":
            cards.append(CardRow(**{**card, "status": "INACTIVE"}))
        elif kind == "blocked_card":
            cards.append(CardRow(**{**card, "status": "BLOCKED"}))
        elif kind == "secondary_card_only":
            cards.append(CardRow(**{**card, "is_primary": False}))
        elif kind == "attempt_cap":
            for k in range(3):
                earlier = due - timedelta(days=30 * (k + 1))
                history.append(
                    HistoryRow(
                        float_id,
                        "FAILED",
                        earlier,
                        _at(earlier),
                        reason="R01 insufficient funds",
                        user_id=user_id,
                        amount_cents=amount,
                    )
                )
        elif kind == "already_submitted":
            history.append(
                HistoryRow(
                    float_id,
                    "SUBMITTED",
                    due,
                    _at(run_date - timedelta(days=1)),
                    run_id="earlier-run",
                    user_id=user_id,
                    amount_cents=amount,
                )
            )
        elif kind == "stale_on_replica":
            floats.append(FloatRow(**{**row, "status": "PAID"}, replica={"status": "SCHEDULING"}))
            continue
        elif kind == "invalid_amount":
            row["amount_cents"] = rng.choice([0, -500])
        elif kind == "missing_user":
            row["user_id"] = None
        elif kind == "held_lock":
            # Held by a run on another host: nothing here can prove it dead, so it stays live for its lease.
            locks.append(
                LockRow("float", float_lock_key(float_id), "other-run", "ip-10-42-1-17:4242", 6 * 3600)
            )
        floats.append(FloatRow(**row))
    # Rows the batch must never page: outside the window, or not SCHEDULING.
    for j in range(max(2, n // 10)):
        float_id += rng.randint(1, 9)
        due = window.end + timedelta(days=1 + j) if j % 2 else window.run_date
        floats.append(FloatRow(float_id, 90_000 + j, "SCHEDULING" if j % 3 else "PAID", 1_000, due))
    return Scenario(floats, cards, history, locks), manifest


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 23, 10, tzinfo=UTC)

"""Scenario documents for tests, built in code (the scenario format of docs/sandbox.md)."""

from __future__ import annotations

import random
from datetime import date

from jobs.domain.calendar import due_window

RUN_DATE = date(2026, 11, 20)  # a Friday: the window is Saturday..Monday
AFTER_FIRE = "2026-11-20T19:31:00-05:00"  # FLOATCTL_NOW 31 minutes after RUN_DATE's missed 19:00 fire


def mixed(n: int, seed: int = 1, run_date: date = RUN_DATE, start_id: int = 100) -> dict:
    """n floats in the window with id gaps: a third with a valid card, the rest without."""
    rng = random.Random(seed)
    days = due_window(run_date).days()
    floats, cards = [], []
    float_id = start_id
    for i in range(n):
        float_id += rng.randint(1, 13)
        user = 10_000 + i
        floats.append(
            {
                "id": float_id,
                "user_id": user,
                "status": "SCHEDULING",
                "amount_cents": rng.randrange(1_000, 90_000),
                "due_date": days[i % len(days)].isoformat(),
            }
        )
        if i % 3 == 0:
            cards.append(
                {
                    "user_id": user,
                    "card_id": f"c{user}",
                    "last4": f"{user % 10_000:04d}",
                    "is_primary": True,
                    "status": "ACTIVE",
                    "exp_month": 12,
                    "exp_year": 2030,
                }
            )
    return {"floats": floats, "cards": cards, "history": [], "locks": []}

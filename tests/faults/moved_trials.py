"""Issue 16 §4: due dates moved on main between runs, after a submission or an attempt whose outcome is
unknown. Shared by tests/faults/test_exactly_once.py (small counts) and `make reliability` (large counts)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import psycopg

from jobs.domain.calendar import due_window
from jobs.runtime import Runtime
from tests.faults.exactly_once import _no_card_floats, _payments
from tests.faults.harness import Figures, Harness, max_in_window

# -- §4: due dates moved between runs ------------------------------------------------------------------


SEQUENCES = (
    (date(2026, 11, 20), date(2026, 11, 23)),  # Friday -> Monday
    (date(2026, 11, 25), date(2026, 11, 27)),  # the Thanksgiving pair: Wednesday -> Friday
    (date(2026, 11, 21), date(2026, 11, 23)),  # a manual Saturday run -> Monday
)


def moved_due_dates(h: Harness, floats: int = 12, sequences: tuple = SEQUENCES) -> Figures:
    """Consecutive and overlapping windows, due dates moved on main between runs, each run twice:
    at most one payment per float whatever its due date."""
    figures = Figures("due dates moved between runs (§4)")
    for n, (first, second) in enumerate(sequences):
        rows = _no_card_floats(floats, run_date=first, start_id=3000 + 100 * n)
        h.load({"floats": rows})
        for run_date in (first, first, second, second):
            if run_date == second:
                _move_due_dates(h, rows, second)
            code, _, err = _run_on(h, run_date)
            figures.runs += 1
            figures.exit_codes[code] += 1
            if code != 0:
                figures.problems.append(f"run {run_date} exited {code}: {err.strip()[-200:]}")
        per_float: dict[int, int] = {}
        for p in _payments(h):
            per_float[p["float_id"]] = per_float.get(p["float_id"], 0) + 1
        figures.duplicates += sum(c - 1 for c in per_float.values() if c > 1)
        figures.lost += len({r["id"] for r in rows} - set(per_float))
        figures.max_per_second = max(figures.max_per_second, max_in_window(h.request_times()))
    figures.faults = {"sequences": len(sequences), "runs each": 4}
    return figures


def _move_due_dates(h: Harness, rows: list[dict], run_date: date) -> None:
    """Main and the replica move every float's due date into `run_date`'s window."""
    target = due_window(run_date).days()
    with (
        psycopg.connect(h.sandbox.dsn("main"), autocommit=True) as main,
        psycopg.connect(h.sandbox.dsn("replica"), autocommit=True) as replica,
    ):
        for i, row in enumerate(rows):
            for conn in (main, replica):
                conn.execute(
                    "UPDATE floats SET due_date = %s WHERE id = %s", (target[i % len(target)], row["id"])
                )


def _run_on(h: Harness, run_date: date, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
    return h.finish(
        h.start(
            "run",
            "day-before-ach",
            "--date",
            run_date.isoformat(),
            "--payment-submit-rate",
            "20",
            defaults=False,
            env=env,
        )
    )


def unknown_outcome_moved(h: Harness, floats: int = 6, seed: int = 16) -> Figures:
    """Friday's sends end FAILED with their key and an unknown outcome: Payments stored the order and
    answered about another payment (a wrong echo), or answered 503 without storing it. Main then moves
    the due dates and Monday runs twice: every float ends with exactly one payment (the stored ones are
    read back and not paid again; the others are paid under the new key)."""
    figures = Figures("unknown outcome, due date moved (§4)")
    friday, monday = SEQUENCES[0]
    rows = _no_card_floats(floats, run_date=friday, start_id=3600)
    h.load({"floats": rows})
    h.faults(
        payments__contract_break="wrong_echo",
        payments__contract_break_rate=1,
        payments__error_rate=0.5,
        payments__seed=seed,
    )
    code, summary, err = _run_on(h, friday, env={"FLOATCTL_HTTP_ATTEMPTS": "1"})
    h.clear_faults()
    figures.runs += 1
    figures.exit_codes[code] += 1
    counts = summary["counts"] if summary else {}
    stored = {p["float_id"] for p in _payments(h)}
    if counts != {"FAILED": floats} or not 0 < len(stored) < floats:
        figures.problems.append(f"Friday: exit {code}, counts {counts}, {len(stored)} stored: {err[-200:]}")
    _move_due_dates(h, rows, monday)
    # The preview reads the old keys back as the run will (a GET), records nothing, and predicts the run.
    predicted, _ = h.expected(monday)
    history = Runtime.from_settings(h.app.settings).history()
    if any(e.outcome in ("ACH_FOUND", "ACH_NOT_FOUND") for r in rows for e in history.float_events(r["id"])):
        figures.problems.append("the preview wrote a read-back event")
    if predicted != {r["id"] for r in rows} - stored:
        figures.problems.append(
            f"the preview predicts {sorted(predicted)}; unstored: {sorted({r['id'] for r in rows} - stored)}"
        )
    for _ in range(2):
        code, summary, err = _run_on(h, monday)
        figures.runs += 1
        figures.exit_codes[code] += 1
        if code != 0:
            figures.problems.append(f"Monday exited {code}: {err.strip()[-200:]}")
    per_float: Counter[int] = Counter(p["float_id"] for p in _payments(h))
    if set(per_float) - stored != predicted:
        figures.problems.append(
            f"Monday paid {sorted(set(per_float) - stored)}, the preview said {sorted(predicted)}"
        )
    figures.duplicates += sum(c - 1 for c in per_float.values() if c > 1)
    figures.lost += len({r["id"] for r in rows} - set(per_float))
    read_back = Counter(
        e.outcome
        for r in rows
        for e in history.float_events(r["id"])
        if e.outcome in ("ACH_FOUND", "ACH_NOT_FOUND")
    )
    figures.faults = {
        "unknown on Friday": floats,
        "stored on Friday": len(stored),
        "read back found": read_back["ACH_FOUND"],
        "read back none": read_back["ACH_NOT_FOUND"],
    }
    if read_back != Counter({"ACH_FOUND": len(stored), "ACH_NOT_FOUND": floats - len(stored)}):
        figures.problems.append(f"read-backs {dict(read_back)}, {len(stored)} stored on Friday")
    figures.max_per_second = max_in_window(h.request_times())
    return figures

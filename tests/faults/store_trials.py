"""Stores that stop answering: a slow-drip DynamoDB, a main database locked by someone else (issue 16 §6
and §9: every outbound call has a total deadline). Shared by tests/faults/test_reliability.py and
`make reliability`."""

from __future__ import annotations

import signal
import time
from collections import Counter
from typing import Any

import psycopg

from tests.faults.exactly_once import _no_card_floats, _payments, _requests
from tests.faults.harness import Figures, Harness
from tests.waiting import wait_for

STORES = ("dynamodb", "postgres")


def stalled_stores(h: Harness, stores: tuple[str, ...] = STORES, floats: int = 12) -> Figures:
    """Mid-run, DynamoDB starts answering one byte every 2 s and/or main's floats table is locked (every
    re-read of main waits); SIGTERM then: exit 143 within 25 s with the summary printed, and a clean rerun
    pays every float exactly once. Without total deadlines the run never exits."""
    figures = Figures(f"stalled {' + '.join(stores)}: SIGTERM")  # the interrupted run at 2/s, the rerun at 20
    rows = _no_card_floats(floats, start_id=4300)
    h.load({"floats": rows})
    proc = h.start("run", "day-before-ach", rate=2)
    locker: Any = None
    try:
        wait_for(lambda: _requests(h) >= 2, 60, "the first payments")
        if "postgres" in stores:
            locker = psycopg.connect(h.sandbox.dsn("main"))
            locker.execute("LOCK TABLE floats IN ACCESS EXCLUSIVE MODE")  # held until rollback
        if "dynamodb" in stores:
            h.faults(dynamodb__trickle_byte_s=2)
        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        code, summary, err = h.finish(proc, timeout=90)
        figures.sigterm_exit_s.append(round(time.monotonic() - signalled, 2))
    finally:
        h.clear_faults()
        if locker is not None:
            locker.rollback()
            locker.close()
    figures.runs += 1
    figures.exit_codes[code] += 1
    if code != 143 or summary is None or summary.get("status") != "INTERRUPTED":
        status = summary.get("status") if summary else None
        figures.problems.append(f"SIGTERM while stalled: exit {code}, status {status}: {err.strip()[-300:]}")
    record = h.run_record_status(summary["run_id"]) if summary else None
    rerun, _, err = h.run()
    figures.runs += 1
    figures.exit_codes[rerun] += 1
    if rerun != 0:
        figures.problems.append(f"the rerun exited {rerun}: {err.strip()[-300:]}")
    per_float = Counter(p["float_id"] for p in _payments(h))
    figures.duplicates += sum(n - 1 for n in per_float.values() if n > 1)
    figures.lost += len({r["id"] for r in rows} - set(per_float))
    figures.faults = {"stalled": "+".join(stores), "run record after the stop": record}
    if figures.sigterm_exit_s[-1] > 25:
        figures.problems.append(f"SIGTERM exit took {figures.sigterm_exit_s[-1]} s")
    return h.check(figures)

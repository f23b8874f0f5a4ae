"""The preview with its read-ahead, on the sandbox: over several pages it reaches, float by float, the
verdicts that evaluating each float alone on the live sources and reading its lock by GetItem reach."""

from __future__ import annotations

import socket
import time

from jobs.batch.options import BatchOptions
from jobs.domain.evaluation import evaluate
from jobs.domain.keys import FLOAT_NAMESPACE, float_lock_key
from jobs.finance.preview import build_preview, lock_verdict
from tests import scenarios


def _lock(float_id: int, owner_task: str, lease_s: int) -> dict:
    return {
        "namespace": "float",
        "lock_key": f"float#{float_id}",
        "owner": f"run-{float_id}",
        "owner_task": owner_task,
        "lease_expires_in_s": lease_s,
    }


def _scenario() -> dict:
    document = scenarios.mixed(14, seed=7)
    ids = [f["id"] for f in document["floats"]]
    document["floats"][2]["replica"] = {"amount_cents": 1}  # main says otherwise: SKIP_STALE
    document["history"] = [
        {
            "float_id": ids[4],
            "run_id": f"r-{n}",
            "outcome": "FAILED",
            "due_date": f"2026-10-0{n}",
            "event_at": f"2026-10-0{n}T00:10:00Z",
            "idempotency_key": f"day-before-ach:{ids[4]}:2026-10-0{n}",
        }
        for n in (1, 2, 3)
    ]
    document["locks"] = [
        _lock(ids[1], "other-host:7", 3600),  # alive, page 1
        _lock(ids[5], f"{socket.gethostname()}:999999", 3600),  # a provably dead owner, page 2
        _lock(ids[9], "other-host:8", -60),  # ran out, page 3
        _lock(ids[13], "other-host:9", 3600),  # alive, page 4
    ]
    return document


def test_read_ahead_verdicts_equal_each_float_evaluated_alone(runtime, load):
    load(_scenario())
    options = BatchOptions(run_date=scenarios.RUN_DATE, page_size=4)
    locks = runtime.locks()
    pages: list[int] = []
    preview = build_preview(options, runtime.sources(), workers=3, locks=locks, evaluated=pages.append)

    sources = runtime.sources()
    (floats,) = runtime.floats().pages(options.window, 1000)
    assert [r.float.id for r in preview.rows] == [f.id for f in floats]
    assert pages == [4, 4, 4, 2]
    for row, alone in zip(preview.rows, floats, strict=True):
        expected = evaluate(alone, options.window, sources, options.max_ach_attempts, full=True)
        held = lock_verdict(
            locks.get(FLOAT_NAMESPACE, float_lock_key(alone.id)), time.time(), locks.owner_is_dead
        )
        assert row.rules == expected.rules
        if held is None:
            assert (row.verdict, row.reason) == (expected.verdict, expected.reason)
        else:
            assert row.verdict == "SKIP_LOCKED" and row.reason.startswith(held.split(",")[0] + ",")
    verdicts = [r.verdict for r in preview.rows]
    assert verdicts.count("SKIP_LOCKED") == 2
    assert {"SKIP_STALE", "SKIP_ATTEMPT_CAP", "SKIP_VALID_CARD", "SUBMIT_ACH"} <= set(verdicts)

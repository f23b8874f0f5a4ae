"""The preview's own decisions: the ERROR verdict, a held lock as SKIP_LOCKED, totals and timing."""

from __future__ import annotations

from datetime import date, datetime

from jobs.batch.options import BatchOptions
from jobs.domain.calendar import NEW_YORK, due_window
from jobs.domain.evaluation import Sources
from jobs.domain.leases import Lease
from jobs.domain.model import Card, Float
from jobs.errors import ServiceError
from jobs.finance.preview import ERROR, Preview, PreviewRow, build_preview, lock_verdict

RUN_DATE = date(2026, 11, 20)
DUE = due_window(RUN_DATE).start


class Floats:
    def __init__(self, rows):
        self.rows = rows

    def pages(self, window, page_size, shard_index, shard_count):
        yield self.rows

    def refetch(self, float_id):
        return next(r for r in self.rows if r.id == float_id)


class Users:
    def __init__(self, failing=()):
        self.failing = set(failing)

    def debit_cards(self, user_id, stop=None):
        if user_id in self.failing:
            raise ServiceError("users service answered 503 after 4 attempts")
        return [Card("c", "4242", True, "ACTIVE", 12, 2030)] if user_id % 2 else []


class Locks:
    def __init__(self, leases, dead=()):
        self.leases = leases
        self.dead = set(dead)

    def list(self, namespace, between):
        assert namespace == "float"
        return [lease for key, lease in self.leases.items() if between[0] <= key <= between[1]]

    def owner_is_dead(self, owner_task):
        return owner_task in self.dead


def _lease(key, owner_task, left, now):
    return Lease("float", key, "run-x", owner_task, now - 10, now + left, "rvn")


def test_lock_verdict_matches_what_acquire_would_do():
    now = 1_000_000.0
    alive = _lease("float#1", "host:1", 300, now)
    assert lock_verdict(alive, now, lambda t: False) == "locked by run run-x on host:1, 300s of lease left"
    assert lock_verdict(None, now, lambda t: False) is None
    assert lock_verdict(_lease("float#1", "host:1", -1, now), now, lambda t: False) is None  # expired
    assert lock_verdict(alive, now, lambda t: True) is None  # owner provably dead


def test_error_only_when_no_earlier_rule_decides_and_locks_override():
    import time

    rows = [
        Float(1, 2, "SCHEDULING", 500, DUE),  # no card: SUBMIT_ACH
        Float(2, 4, "SCHEDULING", 700, DUE),  # users fails: ERROR
        Float(3, 4, "SCHEDULING", -5, DUE),  # invalid first: the users failure does not matter
        Float(4, 2, "SCHEDULING", 900, DUE),  # no card, but locked by someone alive
        Float(5, 3, "SCHEDULING", 100, DUE),  # valid card
    ]
    now = time.time()
    locks = Locks(
        {"float#4": _lease("float#4", "host:9", 600, now), "float#1": _lease("float#1", "gone:1", 600, now)},
        dead={"gone:1"},
    )
    sources = Sources(Floats(rows), None, Users(failing={4}))
    preview = build_preview(BatchOptions(run_date=RUN_DATE), sources, workers=2, locks=locks)
    verdicts = {r.float.id: r.verdict for r in preview.rows}
    assert verdicts == {1: "SUBMIT_ACH", 2: ERROR, 3: "SKIP_INVALID", 4: "SKIP_LOCKED", 5: "SKIP_VALID_CARD"}
    error = next(r for r in preview.rows if r.float.id == 2)
    assert error.reason.startswith("debit_card: users service answered 503")
    assert [r.status for r in error.rules] == ["pass", "pass", "pass", "error"]
    assert preview.totals()["SKIP_LOCKED"] == {"count": 1, "amount_cents": 900}
    unlocked = build_preview(BatchOptions(run_date=RUN_DATE), sources, workers=2)
    assert {r.float.id for r in unlocked.rows if r.verdict == "SUBMIT_ACH"} == {1, 4}


def test_timing_counts_from_the_fire_or_now_whichever_is_later():
    options = BatchOptions(run_date=RUN_DATE, payment_submit_rate=2.0)
    rows = [PreviewRow(Float(i, i, "SCHEDULING", 100, DUE), "SUBMIT_ACH", "", ()) for i in range(10)]
    before = Preview(options, rows, generated_at=datetime(2026, 11, 20, 10, 0, tzinfo=NEW_YORK))
    timing = before.timing()
    assert timing["needed_s"] == 5.0 and timing["seconds_to_cutoff"] == 7200 and timing["fits"]
    late = Preview(options, rows, generated_at=datetime(2026, 11, 20, 20, 59, 58, tzinfo=NEW_YORK))
    assert late.timing()["seconds_to_cutoff"] == 2 and not late.timing()["fits"]

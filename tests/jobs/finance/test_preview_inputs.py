"""The preview's read-ahead (jobs/finance/preview_inputs.py): rows stay in id order while the next page
is evaluated, a failed read is the error `evaluate` would have met, and each page's locks come from
one Query over its key range."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from jobs.batch.options import BatchOptions
from jobs.domain.calendar import due_window
from jobs.domain.evaluation import Sources
from jobs.domain.leases import Lease
from jobs.domain.model import Float, FloatHistory
from jobs.errors import DependencyError
from jobs.finance.preview import ERROR, build_preview
from jobs.finance.preview_inputs import reader_count

RUN_DATE = date(2026, 11, 20)
DUE = due_window(RUN_DATE).start


class Floats:
    """The replica's pages and main's re-fetch; `failing` re-fetches raise their error."""

    def __init__(self, rows, failing=None):
        self.rows = rows
        self.failing = failing or {}

    def pages(self, window, page_size, shard_index, shard_count):
        for start in range(0, len(self.rows), page_size):
            yield self.rows[start : start + page_size]

    def refetch(self, float_id):
        if float_id in self.failing:
            raise self.failing[float_id]
        return next(r for r in self.rows if r.id == float_id)


class History:
    def __init__(self, failing=None):
        self.failing = failing or {}

    def float_history(self, float_id, due_date):
        if float_id in self.failing:
            raise self.failing[float_id]
        return FloatHistory()


class NoCards:
    def debit_cards(self, user_id, stop=None):
        return []


class Locks:
    """A lock store with only a range Query: a preview that asked for one lock at a time would fail."""

    def __init__(self, leases, dead=(), failure=None):
        self.leases = leases
        self.dead = set(dead)
        self.failure = failure
        self.queries: list[tuple[str, tuple[str, str]]] = []

    def list(self, namespace, between):
        self.queries.append((namespace, between))
        if self.failure is not None:
            raise self.failure
        return [lease for key, lease in sorted(self.leases.items()) if between[0] <= key <= between[1]]

    def owner_is_dead(self, owner_task):
        return owner_task in self.dead


def _floats(*ids, amount=500):
    return [Float(i, 1000 + i, "SCHEDULING", amount, DUE) for i in ids]


def _options(page_size):
    return BatchOptions(run_date=RUN_DATE, page_size=page_size)


def test_rows_keep_id_order_while_the_next_page_is_evaluated():
    rows = _floats(1, 2, 3, 4, 5, 6)
    fourth_asked = threading.Event()

    class Users:
        """Float 1's users call answers only once float 4 (the next page) is being evaluated."""

        def debit_cards(self, user_id, stop=None):
            if user_id == 1004:
                fourth_asked.set()
            if user_id == 1001:
                assert fourth_asked.wait(30), "the next page was not evaluated while this one was"
            return []

    pages: list[int] = []
    sources = Sources(Floats(rows), History(), Users())
    preview = build_preview(_options(2), sources, workers=4, evaluated=pages.append)
    assert [r.float.id for r in preview.rows] == [1, 2, 3, 4, 5, 6]
    assert {r.verdict for r in preview.rows} == {"SUBMIT_ACH"}
    assert pages == [2, 2, 2]  # once per page, in order, after the page was evaluated


def test_a_failed_read_is_the_error_evaluate_would_have_met():
    rows = [*_floats(1, 2), Float(3, 1003, "SCHEDULING", -5, DUE), *_floats(4)]
    down = DependencyError("Postgres main: OperationalError")
    sources = Sources(
        Floats(rows, failing={1: down, 3: down}),
        History(failing={2: DependencyError("DynamoDB query on history failed: ThrottlingException")}),
        NoCards(),
    )
    preview = build_preview(_options(2), sources, workers=3)
    rows_by_id = {r.float.id: r for r in preview.rows}
    assert (rows_by_id[1].verdict, rows_by_id[1].reason) == (
        ERROR,
        "refetch: Postgres main: OperationalError",
    )
    assert [r.status for r in rows_by_id[1].rules] == ["pass", "error", "not_checked", "not_checked"]
    assert rows_by_id[2].verdict == ERROR and rows_by_id[2].reason.startswith("history: DynamoDB query")
    assert [r.status for r in rows_by_id[2].rules] == ["pass", "pass", "error", "not_checked"]
    assert rows_by_id[3].verdict == "SKIP_INVALID"  # the earlier rule decides, as the run stops there
    assert rows_by_id[4].verdict == "SUBMIT_ACH"


def test_a_read_that_fails_with_a_bug_fails_the_preview():
    sources = Sources(Floats(_floats(1, 2, 3), failing={2: KeyError("bug")}), History(), NoCards())
    with pytest.raises(KeyError):
        build_preview(_options(2), sources, workers=2)


def test_each_pages_locks_come_from_one_query_over_its_key_range():
    now = time.time()

    def lease(float_id, owner_task, left):
        return Lease("float", f"float#{float_id}", "run-x", owner_task, now - 10, now + left, "rvn")

    locks = Locks(
        {
            "float#10": lease(10, "host:9", 600),  # alive: the run skips it
            "float#11": lease(11, "host:9", -5),  # the lease ran out
            "float#100": lease(100, "gone:1", 600),  # its owner is provably dead
            "float#1000": lease(1000, "host:9", 600),  # inside page 1's key range, but no float here
        },
        dead={"gone:1"},
    )
    sources = Sources(Floats(_floats(9, 10, 11, 12, 100)), History(), NoCards())
    preview = build_preview(_options(3), sources, workers=3, locks=locks)
    verdicts = {r.float.id: r.verdict for r in preview.rows}
    assert verdicts == {
        9: "SUBMIT_ACH",
        10: "SKIP_LOCKED",
        11: "SUBMIT_ACH",
        12: "SUBMIT_ACH",
        100: "SUBMIT_ACH",
    }
    locked = next(r for r in preview.rows if r.float.id == 10)
    assert locked.reason.startswith("locked by run run-x on host:9, ") and locked.reason.endswith(
        "s of lease left"
    )
    assert [r.status for r in locked.rules] == ["pass", "pass", "pass", "pass"]  # every rule still shown
    # Keys sort as strings: float#10 < float#11 < float#9, and float#100 < float#12.
    assert locks.queries == [("float", ("float#10", "float#9")), ("float", ("float#100", "float#12"))]


def test_a_failed_lock_query_fails_the_preview_as_a_failed_lock_read_did():
    locks = Locks({}, failure=DependencyError("DynamoDB query on locks failed: ThrottlingException"))
    sources = Sources(Floats(_floats(1, 2)), History(), NoCards())
    with pytest.raises(DependencyError):
        build_preview(_options(2), sources, workers=2, locks=locks)


def test_a_third_of_the_workers_read_ahead():
    assert [reader_count(w) for w in (1, 2, 3, 12, 16)] == [1, 1, 1, 4, 5]

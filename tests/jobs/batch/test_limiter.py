"""The strict sliding-window payment limiter: real threads on the real clock, and properties on a fake one."""

import math
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.batch.limiter import (
    LATE_CREDIT_SECONDS,
    READ_AHEAD_SECONDS,
    STOP_POLL_SECONDS,
    LimiterStats,
    LimiterStopped,
    RateLimiter,
    window_for_rate,
)


class FakeClock:
    """A clock that only moves when the limiter sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def crowded_windows(starts: list[float], limit: int, period: float) -> list[tuple[float, float]]:
    """Pairs of starts ``limit`` apart that fit inside one period: each is a window holding limit + 1."""
    starts = sorted(starts)
    return [
        (starts[i], starts[i + limit])
        for i in range(len(starts) - limit)
        if starts[i + limit] - starts[i] < period
    ]


@pytest.mark.parametrize(
    ("rate", "limit", "period"),
    [(10, 10, 1.0), (1, 1, 1.0), (2.5, 2, 1.0), (10.99, 10, 1.0), (0.5, 1, 2.0), (0.25, 1, 4.0)],
)
def test_window_for_rate(rate: float, limit: int, period: float) -> None:
    assert window_for_rate(rate) == (limit, period)
    limiter = RateLimiter(rate)
    assert (limiter.limit, limiter.period) == (limit, period)


@pytest.mark.parametrize("rate", [0, -1, -0.5, math.nan, math.inf, -math.inf])
def test_rate_must_be_a_positive_number(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(rate)


def test_sixteen_threads_never_start_more_than_the_rate_in_any_second() -> None:
    # The limiter's own admission time is the last clock reading of the admitted thread; timestamps
    # taken by the caller after acquire() returns also include thread-scheduling jitter.
    last_reading = threading.local()

    def clock() -> float:
        last_reading.value = time.monotonic()
        return last_reading.value

    limiter = RateLimiter(10, clock=clock)
    stop = threading.Event()
    starts: list[float] = []
    guard = threading.Lock()

    def hammer() -> None:
        while not stop.is_set():
            try:
                limiter.acquire(stop)
            except LimiterStopped:
                return
            with guard:
                starts.append(last_reading.value)

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    # A soak, not an ordering: the threads hammer the limiter for 2.5 s of real time, the span the
    # rate is measured over (>= 24 starts at 10/s); nothing waits for another thread's state here.
    time.sleep(2.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=2)
    assert not any(thread.is_alive() for thread in threads)

    starts.sort()
    assert len(starts) >= 24  # evenly spaced: 10 a second from the first start
    assert crowded_windows(starts, limit=10, period=1.0) == []
    spans = [starts[i + 10] - starts[i] for i in range(len(starts) - 10)]
    achieved = 10 / (sum(spans) / len(spans))
    assert achieved >= 0.95 * 10
    assert limiter.stats.acquisitions == len(starts)
    assert limiter.stats.wait_seconds > 0


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (2.5, [0, 0, 1, 1, 2, 2, 3]),
        (1, [0, 1, 2, 3]),
        (0.5, [0, 2, 4, 6]),
        (0.25, [0, 4, 8]),
        (3, [0, 0, 0, 1, 1, 1, 2]),
    ],
)
def test_back_to_back_callers_start_as_the_window_allows(rate: float, expected: list[float]) -> None:
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep, even=False, margin=0)
    started = []
    for _ in expected:
        limiter.acquire()
        started.append(clock.now)
    assert started == pytest.approx(expected, abs=1e-5)


def test_stats_count_acquisitions_and_waiting() -> None:
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(0.5, clock=clock, sleep=clock.sleep, even=False, margin=0)
    assert limiter.stats == LimiterStats(acquisitions=0, wait_seconds=0.0)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(2.0, abs=1e-5)
    clock.now += 1.5
    assert limiter.acquire() == pytest.approx(0.5, abs=1e-5)
    assert limiter.stats.acquisitions == 3
    assert limiter.stats.wait_seconds == pytest.approx(2.5, abs=1e-5)


def run_in_thread(limiter: RateLimiter, stop: threading.Event | None) -> tuple[threading.Thread, dict]:
    """Start acquire(stop) in a thread; the dict gets 'waited' or 'stopped_after' when it ends."""
    outcome: dict = {}

    def target() -> None:
        began = time.monotonic()
        try:
            outcome["waited"] = limiter.acquire(stop)
        except LimiterStopped:
            outcome["stopped_after"] = time.monotonic() - began

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def queued(limiter: RateLimiter, count: int) -> None:
    """Block until `count` callers wait in the limiter's line: threads ordered by state, not by naps."""
    deadline = time.monotonic() + 5
    while limiter.waiting < count:
        assert time.monotonic() < deadline, f"{limiter.waiting} of {count} callers queued"
        threading.Event().wait(0.001)


def test_stop_interrupts_the_first_waiter_and_the_ones_behind_it_promptly() -> None:
    limiter = RateLimiter(1, even=False, margin=0)
    limiter.acquire()  # the window is now full for one second
    first_stop, second_stop = threading.Event(), threading.Event()
    first, first_outcome = run_in_thread(limiter, first_stop)
    queued(limiter, 1)
    second, second_outcome = run_in_thread(limiter, second_stop)
    queued(limiter, 2)

    second_stop.set()  # the second in line waits on its turn, not on the stop event itself
    second.join(timeout=0.5)
    first_stop.set()  # the first in line sleeps on its stop event
    first.join(timeout=0.5)

    assert not first.is_alive() and not second.is_alive()
    assert "stopped_after" in first_outcome and "stopped_after" in second_outcome
    assert first_outcome["stopped_after"] < 0.1 + 0.1 + STOP_POLL_SECONDS
    assert second_outcome["stopped_after"] < 0.05 + 0.1 + STOP_POLL_SECONDS
    assert limiter.stats.acquisitions == 1


def test_a_stopped_waiter_hands_its_turn_to_the_next() -> None:
    limiter = RateLimiter(1, even=False, margin=0)
    limiter.acquire()
    stop = threading.Event()
    quitter, quitter_outcome = run_in_thread(limiter, stop)
    queued(limiter, 1)
    patient, patient_outcome = run_in_thread(limiter, None)
    queued(limiter, 2)
    stop.set()
    quitter.join(timeout=0.5)
    patient.join(timeout=2)
    assert "stopped_after" in quitter_outcome
    assert not patient.is_alive()
    assert 0.7 < patient_outcome["waited"] < 1.2


def test_stop_already_set_takes_a_free_slot_but_never_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep, even=False, margin=0)
    stop = threading.Event()
    stop.set()
    assert limiter.acquire(stop) == 0.0
    with pytest.raises(LimiterStopped):
        limiter.acquire(stop)
    assert clock.now == 1000.0
    assert limiter.acquire() == pytest.approx(1.0, abs=1e-5)  # the abandoned turn did not block the line


rates = st.one_of(
    st.integers(min_value=1, max_value=30).map(float),
    st.floats(min_value=0.05, max_value=30, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=200, deadline=None)
@given(
    rate=rates,
    start=st.floats(min_value=0, max_value=1e7, allow_nan=False),
    gaps=st.lists(st.floats(min_value=0, max_value=3, allow_nan=False), min_size=1, max_size=60),
)
def test_fake_clock_starts_are_strict_and_earliest(rate: float, start: float, gaps: list[float]) -> None:
    clock = FakeClock(start)
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep, even=False, margin=0)
    limit, period = window_for_rate(rate)
    started: list[float] = []
    total_wait = 0.0
    for gap in gaps:
        clock.now += gap
        arrived = clock.now
        waited = limiter.acquire()
        started.append(clock.now)
        total_wait += waited
        assert waited == clock.now - arrived >= 0
        if len(started) > limit:
            assert clock.now - started[-1 - limit] >= period
            assert clock.now <= max(arrived, started[-1 - limit] + period) + 1e-5
        else:
            assert clock.now == arrived
    assert crowded_windows(started, limit, period) == []
    assert limiter.stats.acquisitions == len(gaps)
    assert limiter.stats.wait_seconds == pytest.approx(total_wait)


def test_default_starts_are_evenly_spaced_with_a_wire_margin():
    """No burst: the partner sees calls period/limit apart, and a window slightly over a second."""
    clock = FakeClock(0.0)
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(9):
        limiter.acquire()
        starts.append(round(clock(), 4))
    assert starts == [0.0, 0.25, 0.5, 0.75, 1.025, 1.275, 1.525, 1.775, 2.05]
    assert crowded_windows(starts, limit=4, period=1.0) == []


def test_assume_full_window_holds_the_first_start_back_a_whole_window():
    clock = FakeClock(0.0)
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    limiter.assume_full_window()
    limiter.acquire()
    assert clock() == pytest.approx(1.025)


def test_a_waiter_that_wakes_late_is_booked_at_its_slot_so_lateness_does_not_pile_up():
    """Each wake 2 ms late: the mean rate stays limit per window, and no window is shorter than the
    margin allows minus the credit (what the partner may see)."""
    clock = FakeClock(0.0)
    limiter = RateLimiter(10, clock=clock, sleep=lambda seconds: clock.sleep(seconds + 0.002))
    starts = []
    for _ in range(101):
        limiter.acquire()
        starts.append(clock())
    assert starts[-1] <= 10 * 1.025 + 0.002 + 1e-9  # not 100 × 2 ms later
    shortest = min(starts[i + 10] - starts[i] for i in range(len(starts) - 10))
    assert shortest >= 1.025 - LATE_CREDIT_SECONDS - 1e-9
    assert shortest >= 1.0  # still never more than 10 in a second


def test_quiet_in_is_the_time_until_the_last_start_leaves_the_window():
    clock = FakeClock(0.0)
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    assert limiter.quiet_in() == 0.0
    limiter.acquire()
    limiter.acquire()
    assert limiter.quiet_in() == pytest.approx(1.025)  # the second start was at 0.25
    clock.now = 2.0
    assert limiter.quiet_in() == 0.0


def test_a_call_that_left_late_moves_its_start_so_the_next_window_keeps_its_distance():
    """Admitted at 0.0 but out on the wire at 0.040 (its thread lost the GIL): the start that would
    complete a window is held back from the real send, not the admission."""
    clock = FakeClock(0.0)
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now = 0.040
    limiter.sent()  # late by more than half the margin: rebooked at 0.040 - 0.0125
    starts = []
    for _ in range(4):
        limiter.acquire()
        limiter.sent()  # on time: nothing moves
        starts.append(round(clock(), 4))
    assert starts[-1] >= 0.040 + 1.0  # the 5th start is a second after the late one really left
    assert starts == [0.2775, 0.5275, 0.7775, 1.0525]  # spaced from the rebooked start too


# -- prepare: the submitter's re-read of main, run as the slot comes up --------------------------------


def _full_until_one_second() -> tuple[FakeClock, RateLimiter]:
    clock = FakeClock(0.0)
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep, even=False, margin=0)
    limiter.acquire()
    limiter.acquire()  # the window is full until t = 1.0
    return clock, limiter


def test_prepare_runs_once_just_before_the_slot_and_the_call_starts_at_the_slot():
    clock, limiter = _full_until_one_second()
    prepared: list[float] = []
    limiter.acquire(prepare=lambda: prepared.append(clock()))
    assert prepared == [pytest.approx(1.0 - READ_AHEAD_SECONDS)]
    assert clock() == pytest.approx(1.0)  # admitted at the slot, not a read later


def test_a_free_slot_is_taken_after_the_prepare_and_a_slow_prepare_runs_once():
    clock = FakeClock(0.0)
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep, even=False, margin=0)
    prepared: list[float] = []

    def slow() -> None:
        prepared.append(clock())
        clock.now += 3 * READ_AHEAD_SECONDS  # slower than the read-ahead: still fresh when it returns

    assert limiter.acquire(prepare=slow) == pytest.approx(3 * READ_AHEAD_SECONDS)
    assert prepared == [0.0] and limiter.stats.acquisitions == 1


def test_a_prepare_made_stale_by_a_moved_slot_runs_again_before_the_new_slot():
    clock, limiter = _full_until_one_second()
    prepared: list[float] = []

    def prepare() -> None:
        prepared.append(clock())
        if len(prepared) == 1:
            limiter.assume_full_window()  # a takeover: the slot moves a whole window away

    limiter.acquire(prepare=prepare)
    moved_slot = 1.0 - READ_AHEAD_SECONDS + 1.0  # a window after the first prepare
    assert prepared == [
        pytest.approx(1.0 - READ_AHEAD_SECONDS),
        pytest.approx(moved_slot - READ_AHEAD_SECONDS),
    ]
    assert clock() == pytest.approx(moved_slot)


def test_what_prepare_raises_reaches_the_caller_and_the_turn_passes_on():
    clock, limiter = _full_until_one_second()

    def stale() -> None:
        raise ValueError("main moved on")

    with pytest.raises(ValueError, match="main moved on"):
        limiter.acquire(prepare=stale)
    assert limiter.waiting == 0 and limiter.stats.acquisitions == 2  # nothing was admitted for it
    limiter.acquire()
    assert clock() == pytest.approx(1.0)  # the slot it did not take is the next caller's

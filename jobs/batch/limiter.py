"""A strict sliding-window rate limiter shared by every payment submitter.

No more than ``limit`` acquisitions start in any window of ``period`` seconds (a token bucket with a
burst allows nearly twice that); why this is hand-written is in docs/decisions/rate-limiter.md.

What counts is what the partner receives, a few milliseconds after we admit a call. So starts are
spaced evenly (``period / limit`` apart, never a burst of ``limit`` at once, whose sends queue up
and arrive bunched), and the window carries a small margin for the admit-to-wire jitter.

A waiter that wakes a little after its slot opened is booked at the slot (at most
``LATE_CREDIT_SECONDS`` earlier than it really started), so wake-up lateness does not pile up into
a lower mean rate; the credit comes out of the margin, which is why it is a fraction of it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

#: How often a queued waiter that is not first in line looks at its stop event, in seconds.
STOP_POLL_SECONDS = 0.02

#: Slack added to the window for the time between admission and the request reaching the partner.
WIRE_MARGIN_SECONDS = 0.025

#: How much earlier than its real start a late-woken waiter may be booked (its slot), in seconds.
LATE_CREDIT_SECONDS = 0.005

#: How long before its slot the first caller in line runs its `prepare` (the submitter's re-read of
#: main), so the call leaves at the slot instead of a re-read later; and the oldest a prepared read may
#: be at admission before it is run again.
READ_AHEAD_SECONDS = 0.02

#: The shortest pause, so float rounding near a window edge cannot spin without time passing.
_MIN_PAUSE_SECONDS = 1e-6


class LimiterStopped(Exception):
    """The stop event was set while an acquisition was waiting for its turn."""


@dataclass(frozen=True)
class LimiterStats:
    """Totals since the limiter was built: acquisitions granted and seconds spent waiting for them."""

    acquisitions: int
    wait_seconds: float


def window_for_rate(rate: float) -> tuple[int, float]:
    """Translate a per-second rate into (starts allowed, window seconds); rate must be positive."""
    if not (isinstance(rate, int | float) and math.isfinite(rate) and rate > 0):
        raise ValueError(f"payment submit rate must be a positive number per second, got {rate!r}")
    if rate >= 1:
        return math.floor(rate), 1.0
    return 1, 1.0 / rate


class RateLimiter:
    """Lets callers start, first come first served, no more than ``limit`` in any sliding ``period``."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        margin: float = WIRE_MARGIN_SECONDS,
        even: bool = True,
    ) -> None:
        self.limit, self.period = window_for_rate(rate)
        self.spacing = self.period / self.limit if even else 0.0
        self.margin = margin
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self._next_seq = 0  # the sequence number the next booked start gets
        self._mine = threading.local()  # this thread's last admitted start, until `sent`
        self._line: deque[threading.Event] = deque()
        self._acquisitions = 0
        self._wait_seconds = 0.0

    @property
    def stats(self) -> LimiterStats:
        """Acquisitions granted so far and the total seconds callers waited for them."""
        with self._lock:
            return LimiterStats(self._acquisitions, self._wait_seconds)

    @property
    def waiting(self) -> int:
        """Callers queued in acquire() right now (the first in line included)."""
        with self._lock:
            return len(self._line)

    def assume_full_window(self) -> None:
        """Act as if a whole window's worth of starts happened just now.

        A run calls this when it takes the job lock over from an expired or dead holder, whose last
        submissions this process cannot see. (A holder that releases the lock waits for `quiet_in`
        first, so a run that finds the lock free may start at once.)
        """
        with self._lock:
            now = self._clock()
            self._starts.clear()
            self._starts.extend([now] * self.limit)
            self._next_seq += self.limit

    def quiet_in(self) -> float:
        """Seconds until the last start has left the window (0.0: another holder may start at once)."""
        with self._lock:
            if not self._starts:
                return 0.0
            return max(0.0, max(self._starts) + self.period + self.margin - self._clock())

    def acquire(
        self, stop: threading.Event | None = None, prepare: Callable[[], None] | None = None
    ) -> float:
        """Wait for a free slot and return the seconds waited; raise LimiterStopped if ``stop`` is set first.

        A caller that finds a free slot and nobody queued gets it at once, even if ``stop`` is set.
        ``prepare`` (the submitter's re-read of main) runs once the caller is first in line and its slot
        is at most READ_AHEAD_SECONDS away, and again if it finished longer ago than that at admission;
        whatever it raises leaves the line and reaches the caller. So what it read is at most the read's
        own time plus READ_AHEAD_SECONDS older than the admission, and the call leaves at its slot: with the read
        after admission, a read slowed by a busy machine made the send late, moved its start
        (`sent`) and lowered the mean rate.
        """
        entered = self._clock()
        turn = threading.Event()
        prepared_at: float | None = None
        with self._lock:
            self._line.append(turn)
        try:
            while True:
                with self._lock:
                    first = self._line[0] is turn
                    now = self._clock()
                    delay, ready = None, False
                    if first:
                        delay = self._delay(now)
                        # Prepared, and still fresh when the slot opens.
                        ready = prepare is None or (
                            prepared_at is not None
                            and now + delay - prepared_at <= READ_AHEAD_SECONDS + _MIN_PAUSE_SECONDS
                        )
                        if delay == 0.0 and ready:
                            return self._admit(now, self._booking(now, entered), entered)
                if stop is not None and stop.is_set():
                    raise LimiterStopped("stopped while waiting for the payment rate limiter")
                if delay is None:
                    turn.wait(STOP_POLL_SECONDS)
                elif ready:
                    self._pause(delay, stop)
                elif delay > READ_AHEAD_SECONDS + _MIN_PAUSE_SECONDS:
                    self._pause(delay - READ_AHEAD_SECONDS, stop)
                else:
                    assert prepare is not None
                    prepare()  # holding the turn: nobody is admitted past us meanwhile
                    prepared_at = self._clock()
        except BaseException:
            self._leave(turn)
            raise

    def _delay(self, now: float) -> float:
        """Forget starts that left the window and return the seconds until one more may start (0.0: now)."""
        window = self.period + self.margin
        while len(self._starts) > self.limit:  # the last `limit` starts are all the window needs
            self._starts.popleft()
        in_window = len(self._starts) >= self.limit and now - self._starts[0] < window
        delay = 0.0
        if in_window:  # always a pause, however small
            delay = max(self._starts[0] + window - now, _MIN_PAUSE_SECONDS)
        if self._starts and self._starts[-1] + self.spacing - now > 0:
            delay = max(delay, self._starts[-1] + self.spacing - now, _MIN_PAUSE_SECONDS)
        return delay

    def _booking(self, now: float, entered: float) -> float:
        """When to book a start made at ``now``: its slot, if the caller waited for it and woke late."""
        credit = min(LATE_CREDIT_SECONDS, self.margin / 5)
        slot = -math.inf
        if self._starts:
            slot = self._starts[-1] + self.spacing
        if len(self._starts) >= self.limit:
            slot = max(slot, self._starts[-self.limit] + self.period + self.margin)
        if credit <= 0 or entered >= slot or slot >= now:
            return now
        return max(slot, now - credit)

    def _admit(self, now: float, booked: float, entered: float) -> float:
        """Book a start at ``booked``, hand the turn to the next in line, and return the wait."""
        self._starts.append(booked)
        self._mine.seq = self._next_seq
        self._next_seq += 1
        self._line.popleft()
        if self._line:
            self._line[0].set()
        waited = max(0.0, now - entered)
        self._acquisitions += 1
        self._wait_seconds += waited
        return waited

    def sent(self) -> None:
        """Say that this thread's last admitted call has just gone out on the wire.

        The window's margin covers a call that leaves a little after its admission. One that left
        later than half the margin (its thread lost the GIL on the way) has its start moved to half a
        margin before now, so the starts admitted after it keep their distance from when it really
        went out. Called right after the first send(); rare, so it costs the mean rate nothing.
        """
        seq = getattr(self._mine, "seq", None)
        if seq is None:
            return
        self._mine.seq = None
        with self._lock:
            now = self._clock()
            index = seq - (self._next_seq - len(self._starts))
            if 0 <= index < len(self._starts) and now - self._starts[index] > self.margin / 2:
                self._starts[index] = now - self.margin / 2

    def _leave(self, turn: threading.Event) -> None:
        """Take an abandoned caller out of the line, passing the turn on if it was first."""
        with self._lock:
            if turn not in self._line:
                return
            was_first = self._line[0] is turn
            self._line.remove(turn)
            if was_first and self._line:
                self._line[0].set()

    def _pause(self, seconds: float, stop: threading.Event | None) -> None:
        """Sleep for ``seconds`` with the injected sleep, or on the stop event so setting it wakes us."""
        if self._sleep is not None:
            self._sleep(seconds)
        elif stop is not None:
            stop.wait(seconds)
        else:
            time.sleep(seconds)

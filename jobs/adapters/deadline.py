"""A total deadline for every outbound call: a watchdog that cuts the connection when time is up.

A per-read timeout bounds each read, not the answer: a partner (or a DynamoDB endpoint) that sends
one byte every few seconds keeps a call alive for ever. One watchdog thread shuts down the socket of
any call past its deadline, or at once when its thread's stop is set; the blocked read then fails and
the call ends like any broken connection (retried within its budget, or failed).

A thread can bound every call it makes with `scope`: a stop event (the run's hard stop) and a time
by which everything must be over (the exit budget after SIGTERM). HTTP (signed_http.py), boto3
(aws.py) and Postgres (postgres.py) calls all take their watch from here (docs/decisions/total-deadline.md).
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

POLL_S = 0.1  # how soon a hard stop reaches calls in flight


def _never() -> float:
    return math.inf


@dataclass(frozen=True)
class Bounds:
    """What bounds a thread's calls: a stop that cuts them at once, and a monotonic time they must end by."""

    stop: threading.Event | None = None
    until: Callable[[], float] = _never


_local = threading.local()


def bounds() -> Bounds:
    """This thread's bounds (none by default)."""
    return getattr(_local, "bounds", None) or Bounds()


@contextlib.contextmanager
def scope(stop: threading.Event | None = None, until: Callable[[], float] | None = None) -> Iterator[None]:
    """Bound every call this thread makes inside: a call in flight when `stop` is set is cut; every call
    is over by `until()` (monotonic). Calls begun after the stop (the clean-up: releases, outcome writes)
    run, bounded by `until` and their own deadline."""
    outer = bounds()
    inner = Bounds(stop if stop is not None else outer.stop, until or outer.until)
    _local.bounds = inner
    try:
        yield
    finally:
        _local.bounds = outer


class Watch:
    """One call's deadline; `connection` is called with each connection (anything with `.sock`) it sends on.

    The clock covers the connect, then stops while `before_send` waits (the fence, the limiter's token,
    the re-read of main: at a low rate the token alone can take longer than the deadline) and starts
    afresh for the send and the whole answer. A stop cuts the call at any moment.
    """

    def __init__(self, total_s: float, stop: threading.Event | None = None) -> None:
        limits = bounds()
        self.total_s = total_s
        self.deadline = time.monotonic() + total_s
        if stop is None and limits.stop is not None and not limits.stop.is_set():
            stop = (
                limits.stop
            )  # a call begun after the stop (a release, an outcome write) is bounded by `until`
        self.stop = stop
        self.until = limits.until
        self.conn: Any = None
        self.cut: str | None = None  # why the watchdog cut the call
        self._done = False
        self._watched = False

    def connection(self, conn: Any) -> None:
        """Watch `conn` (the latest connection of this call: a retry may use another one)."""
        self.conn = conn
        if not self._watched:
            self._watched = True
            _WATCHDOG.add(self)

    def hold(self) -> None:
        """No deadline while the call waits to send (a stop still cuts it)."""
        self.deadline = math.inf

    def restart(self) -> None:
        """The whole deadline again, from now: the request's bytes are about to go out."""
        self.deadline = time.monotonic() + self.total_s

    def left(self, now: float | None = None) -> float:
        """Seconds before this call must be over."""
        now = time.monotonic() if now is None else now
        return min(self.deadline, self.until()) - now

    def expired(self) -> bool:
        """Stopped or out of time (without marking the call cut: its answer may be complete)."""
        return self.cut is not None or self._why(time.monotonic()) is not None

    def over(self) -> bool:
        """Cut, stopped, or out of time: nothing more may be sent for this call (`cut` says why)."""
        if self.cut is None:
            self.cut = self._why(time.monotonic())
        return self.cut is not None

    def done(self) -> None:
        self._done = True
        _WATCHDOG.discard(self)

    def _why(self, now: float) -> str | None:
        if self.stop is not None and self.stop.is_set():
            return "cut by the hard stop"
        if now >= self.until():
            return "cut at the exit deadline after the stop"
        if now >= self.deadline:
            return f"no complete answer within the call's total deadline of {self.total_s:g} s"
        return None

    def check(self, now: float) -> bool:
        """Cut the call if its time is up or its stop is set; True when it is finished with."""
        if self._done:
            return True
        why = self._why(now)
        if why is None:
            return False
        self.cut = why
        sock = getattr(self.conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return True


class FdSocket:
    """A connection known only by its file descriptor (libpq's), with a `.sock` the watchdog can shut
    down: a duplicate of the descriptor, so shutting it down ends the shared connection."""

    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=os.dup(fd))

    def close(self) -> None:
        self.sock.close()


class _Watchdog:
    """The one thread that watches every call in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: set[Watch] = set()
        self._thread: threading.Thread | None = None

    def add(self, watch: Watch) -> None:
        with self._lock:
            self._watches.add(watch)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="call-deadlines", daemon=True)
                self._thread.start()

    def discard(self, watch: Watch) -> None:
        with self._lock:
            self._watches.discard(watch)

    def _loop(self) -> None:
        while True:
            time.sleep(POLL_S)
            now = time.monotonic()
            with self._lock:
                watches = list(self._watches)
            finished = [w for w in watches if w.check(now)]
            with self._lock:
                self._watches.difference_update(finished)


_WATCHDOG = _Watchdog()

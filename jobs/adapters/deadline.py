"""A total deadline for an HTTP call: a watchdog that cuts the connection when time is up.

urllib3's read timeout bounds each read, not the answer: a partner that sends one byte every few
seconds keeps a call alive for ever. One watchdog thread shuts down the socket of any call past
its deadline, or at once when the run's hard stop is set; the blocked read then fails and the call
ends like any broken connection (retried within the attempts, or FAILED).
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from typing import Any

POLL_S = 0.1  # how soon a hard stop reaches calls in flight


class Watch:
    """One call's deadline; `connection` is called with the urllib3 connection once it sends.

    The clock covers the connect, then stops while `before_send` waits (the fence, the limiter's token,
    the re-read of main: at a low rate the token alone can take longer than the deadline) and starts
    afresh for the send and the whole answer. A hard stop cuts the call at any moment.
    """

    def __init__(self, total_s: float, stop: threading.Event | None = None) -> None:
        self.deadline = time.monotonic() + total_s
        self.total_s = total_s
        self.stop = stop
        self.conn: Any = None
        self.cut: str | None = None  # why the watchdog cut the call
        self._done = False

    def connection(self, conn: Any) -> None:
        if self.conn is None:
            self.conn = conn
            _WATCHDOG.add(self)

    def hold(self) -> None:
        """No deadline while the call waits to send (a hard stop still cuts it)."""
        self.deadline = math.inf

    def restart(self) -> None:
        """The whole deadline again, from now: the request's bytes are about to go out."""
        self.deadline = time.monotonic() + self.total_s

    def done(self) -> None:
        self._done = True
        _WATCHDOG.discard(self)

    def check(self, now: float) -> bool:
        """Cut the call if its time is up or the run stops hard; True when it is finished with."""
        if self._done:
            return True
        if now >= self.deadline:
            self.cut = f"no complete answer within the call's total deadline of {self.total_s:g} s"
        elif self.stop is not None and self.stop.is_set():
            self.cut = "cut by the hard stop"
        else:
            return False
        sock = getattr(self.conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return True


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
                self._thread = threading.Thread(target=self._loop, name="http-deadlines", daemon=True)
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

"""The simulator in a process of its own, and the fault settings the AWS front reads from it.

Its receive timestamps are the ground truth for the partner's rate; in the services process they
would wait on moto's work for the GIL, so the simulator gets its own interpreter.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import random
import threading
import urllib.request
from typing import Any

START_TIMEOUT_S = 30.0


def _serve(dsn: str, conn: Any) -> None:
    import signal

    from floatctl_sandbox.simulator import Simulator

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the services process decides when we stop
    simulator = Simulator(dsn).start()
    conn.send(simulator.url)
    with contextlib.suppress(EOFError):
        conn.recv()  # "stop", or EOF when the services process is gone
    simulator.stop()


class SimulatorProcess:
    """Start, address and stop the simulator's process."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.url = ""
        self._proc: Any = None
        self._conn: Any = None

    def start(self) -> SimulatorProcess:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._proc = context.Process(target=_serve, args=(self.dsn, child), name="simulator", daemon=True)
        self._proc.start()
        if not self._conn.poll(START_TIMEOUT_S):
            self._proc.kill()
            raise RuntimeError("the simulator did not start")
        self.url = self._conn.recv()
        return self

    def stop(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()


class PolledFaults:
    """The simulator's fault settings as the AWS front sees them: polled a few times a second."""

    def __init__(self, url: str, every_s: float = 0.2) -> None:
        self.url = url
        self.every_s = every_s
        self._values: dict[str, Any] = {}
        self._rng = random.Random()
        self._stop = threading.Event()
        self._refresh()
        threading.Thread(target=self._loop, name="faults-poll", daemon=True).start()

    def _refresh(self) -> None:
        try:
            with urllib.request.urlopen(f"{self.url}/_sim/faults", timeout=2) as response:
                self._values = json.loads(response.read())
        except (OSError, ValueError):
            pass  # keep the last known settings

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self._refresh()

    def roll(self, service: str, fault: str) -> bool:
        rate = self._values.get(f"{service}.{fault}") or 0
        return rate > 0 and self._rng.random() < rate

    def value(self, key: str) -> float:
        """A numeric setting (0 when unknown), e.g. `dynamodb.trickle_byte_s`."""
        return float(self._values.get(key) or 0)

    def close(self) -> None:
        self._stop.set()

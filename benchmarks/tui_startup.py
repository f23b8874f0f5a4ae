"""How long `floatctl tui` takes from launch to a painted status screen on the sandbox (target < 1 s).

Each sample starts `python -m floatctl tui` in a pseudo-terminal, as a person would, and times two
moments from the spawn: the first frame (the environment banner) and the painted status (the cutoff
countdown, drawn once the schedule, the run records, the job lock and the tasks have been read).
The sandbox is brought up first and not counted. Prints the figures; it is not a test.

    .venv/bin/python benchmarks/tui_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import time

TARGET_S = 1.0
BANNER = b"floatctl \xe2\x94\x82 "  # "floatctl │ ": the first frame
PAINTED = b"to the 21:00 ET cutoff"  # the countdown: only drawn once the status facts arrived
PAST = b"ET cutoff of run date"  # the same line after the cutoff ("... passed H:MM:SS ago")


def one_sample(timeout_s: float = 30.0) -> tuple[float, float]:
    """Spawn the TUI in a pty; seconds to the first frame and to the painted status screen."""
    main, child = pty.openpty()
    os.set_blocking(main, False)
    env = dict(os.environ, COLUMNS="120", LINES="36", TERM=os.environ.get("TERM", "xterm-256color"))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "floatctl", "tui", "--read-only"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        start_new_session=True,
    )
    os.close(child)
    seen = b""
    first_frame = painted = None
    try:
        while painted is None:
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(
                    f"no painted status screen after {timeout_s}s; output so far: {seen[-400:]!r}"
                )
            ready, _, _ = select.select([main], [], [], 0.01)
            if not ready:
                continue
            try:
                seen += os.read(main, 65536)
            except OSError:
                break
            now = time.perf_counter() - started
            if first_frame is None and BANNER in seen:
                first_frame = now
            if PAINTED in seen or PAST in seen:
                painted = now
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        os.close(main)
    if painted is None:
        raise RuntimeError("the TUI exited before painting the status screen")
    return first_frame or painted, painted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "floatctl", "sandbox", "up"], check=True, stdout=subprocess.DEVNULL)
    one_sample()  # warm the file cache and the sandbox's first-request paths; not counted
    samples = [one_sample() for _ in range(args.runs)]
    frames = [s[0] for s in samples]
    painted = [s[1] for s in samples]
    median = statistics.median(painted)
    print(f"floatctl tui startup on the sandbox, {args.runs} runs (pty 120x36):")
    print(f"  first frame      median {statistics.median(frames):.3f} s  max {max(frames):.3f} s")
    print(f"  painted status   median {median:.3f} s  max {max(painted):.3f} s")
    verdict = "within" if median < TARGET_S else "OVER"
    print(f"  target {TARGET_S:.1f} s: {verdict} ({median / TARGET_S:.2f} x target)")


if __name__ == "__main__":
    main()

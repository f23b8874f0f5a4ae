"""Run one floatctl command under cProfile in every thread, timing CPU (not wall) per thread.

py-spy is not installed here, so this is the profile behind docs/performance.md: each thread gets its
own cProfile.Profile(timer=time.thread_time) (threading.setprofile installs it as the thread starts),
and at exit the profiles are merged into one pstats file and the top functions are printed.

    python -m benchmarks.profile_run OUT.pstats [--top 30] [--wall] -- -o json run day-before-ach --date ...

With --wall each thread's profile times the wall clock instead, which shows where workers wait.

cProfile slows Python-heavy code down (roughly 1.5-2x), so read the shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import threading
import time

_profilers: list[cProfile.Profile] = []
_lock = threading.Lock()


_timer = time.thread_time


def _start_thread_profiler(*_: object) -> None:
    profiler = cProfile.Profile(timer=_timer)
    with _lock:
        _profilers.append(profiler)
    profiler.enable()  # replaces this hook for the rest of the thread


def summary(path: str, top: int = 30, sort: str = "tottime") -> str:
    """The top functions of a saved profile, as text."""
    out = io.StringIO()
    stats = pstats.Stats(path, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


def main() -> None:
    argv = sys.argv[1:]
    if "--" not in argv:
        raise SystemExit("usage: python -m benchmarks.profile_run OUT.pstats [--top N] -- FLOATCTL ARGS...")
    cut = argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--wall", action="store_true", help="time wall clock (where threads wait), not CPU")
    args = parser.parse_args(argv[:cut])
    global _timer
    _timer = time.perf_counter if args.wall else time.thread_time
    sys.argv = ["floatctl", *argv[cut + 1 :]]

    from floatctl.cli import main as floatctl_main

    threading.setprofile(_start_thread_profiler)
    _start_thread_profiler()
    code = 0
    try:
        floatctl_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
        with _lock:
            profilers = list(_profilers)
        for profiler in profilers:
            profiler.disable()
        stats = pstats.Stats(profilers[0])
        for profiler in profilers[1:]:
            stats.add(profiler)
        stats.dump_stats(args.out)
        if args.top:
            print(summary(args.out, args.top), file=sys.stderr)
    raise SystemExit(code)


if __name__ == "__main__":
    main()

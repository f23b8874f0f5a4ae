"""Where a floatctl process's memory grows: tracemalloc snapshots and live-object counts over a run.

    python -m benchmarks.memory_trace OUT.txt [--every 30] [--frames 8] -- -o json run day-before-ach ...

Every `--every` seconds a thread records VmRSS, a tracemalloc snapshot and the count of live objects
per type; at exit OUT.txt gets the RSS curve, the object types that grew most, and the allocation
sites (tracebacks) whose live memory grew most between the first snapshot and the last. Used for the
memory figure in docs/performance.md; tracemalloc slows the run down, so read it for *what* grows.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def object_counts() -> Counter[str]:
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def main() -> None:
    argv = sys.argv[1:]
    if "--" not in argv:
        raise SystemExit("usage: python -m benchmarks.memory_trace OUT.txt [--every S] -- FLOATCTL ARGS...")
    cut = argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--every", type=float, default=30.0)
    parser.add_argument("--frames", type=int, default=8)
    args = parser.parse_args(argv[:cut])
    sys.argv = ["floatctl", *argv[cut + 1 :]]

    from floatctl.cli import main as floatctl_main

    tracemalloc.start(args.frames)
    started = time.monotonic()
    curve: list[tuple[float, float, float]] = []
    snapshots: list[tuple[float, tracemalloc.Snapshot, Counter[str]]] = []
    done = threading.Event()

    def sample() -> None:
        traced, _ = tracemalloc.get_traced_memory()
        curve.append((time.monotonic() - started, rss_mib(), traced / 2**20))
        snapshots.append((time.monotonic() - started, tracemalloc.take_snapshot(), object_counts()))
        del snapshots[1:-1]  # keep the first and the latest

    def loop() -> None:
        while not done.wait(args.every):
            sample()

    threading.Thread(target=loop, name="memory-trace", daemon=True).start()
    code = 0
    try:
        floatctl_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        done.set()
        sample()
        first_t, first, first_objects = snapshots[0]
        last_t, last, last_objects = snapshots[-1]
        lines = [
            f"exit {code}; snapshots at {first_t:.0f} s and {last_t:.0f} s",
            "",
            "t s, VmRSS MiB, traced MiB:",
        ]
        lines += [f"  {t:7.0f} {rss:8.1f} {traced:8.1f}" for t, rss, traced in curve]
        grown = Counter({k: last_objects[k] - first_objects.get(k, 0) for k in last_objects})
        lines += ["", "live objects that grew most (type: +count):"]
        lines += [f"  {name}: +{count}" for name, count in grown.most_common(15) if count > 0]
        lines += ["", f"allocation sites whose live memory grew most ({args.frames} frames):"]
        for stat in last.compare_to(first, "traceback")[:12]:
            lines.append(f"  +{stat.size_diff / 1024:.1f} KiB, +{stat.count_diff} blocks")
            lines += [f"      {frame}" for frame in stat.traceback.format()[-2 * args.frames :]]
        Path(args.out).write_text("\n".join(lines) + "\n")
    raise SystemExit(code)


if __name__ == "__main__":
    main()

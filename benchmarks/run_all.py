"""`make bench`: every performance figure of issue 9, as ratios with the target beside each row.

    python -m benchmarks.run_all [--grid standard|smoke|full] [--only startup,makespan,preview,memory]
                                 [--memory-n 10000,100000] [--out benchmarks/results]

Start-up is measured first, with no sandbox running; everything else runs on a private sandbox in a
temporary directory (benchmarks/common.py), stopped at the end whatever happens. The tables are
printed and saved as benchmarks/results/latest.md and latest.json (docs/performance.md quotes them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import makespan, memory, preview, startup
from benchmarks.common import own_sandbox
from benchmarks.tables import (
    fmt,
    makespan_table,
    memory_table,
    preview_table,
    rate_table,
    startup_tables,
    timeline_table,
)

SECTIONS = ("startup", "makespan", "preview", "memory")


def machine() -> dict[str, Any]:
    def read(path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    mem_kb = next(
        (int(line.split()[1]) for line in read("/proc/meminfo").splitlines() if line.startswith("MemTotal:")),
        0,
    )
    versions = {}
    from importlib import metadata

    for package in ("typer", "botocore", "moto", "psycopg"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=("smoke", "standard", "full"), default="standard")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ", ".join(SECTIONS))
    parser.add_argument("--memory-n", default="10000,100000", help="the two float counts to compare")
    parser.add_argument("--preview-n", type=int, default=preview.N)
    parser.add_argument("--startup-runs", type=int, default=startup.REPEATS)
    parser.add_argument("--out", default=str(Path(__file__).with_name("results")))
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    if unknown := set(only) - set(SECTIONS):
        parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}")
    small, large = (int(x) for x in args.memory_n.split(","))

    started = time.monotonic()
    info = machine()
    info["load_before"] = os.getloadavg()
    print(f"# floatctl benchmarks — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gib']} GiB, Python {info['python']}; "
        f"load average {', '.join(f'{x:.1f}' for x in info['load_before'])}\n",
        flush=True,
    )
    results: dict[str, Any] = {"machine": info, "grid": args.grid}
    sections: list[tuple[str, str]] = []

    if "startup" in only:
        print("start-up ...", flush=True)
        results["startup"] = startup.run(args.startup_runs)
        sections.append(
            (f"Start-up (median of {args.startup_runs} runs each)", startup_tables(results["startup"]))
        )
        print(sections[-1][1] + "\n", flush=True)

    if {"makespan", "preview", "memory"} & set(only):
        print("starting a private sandbox ...", flush=True)
        with own_sandbox() as bench:
            try:
                if "makespan" in only:
                    overhead = makespan.eval_overhead(bench)
                    results["eval_overhead"] = overhead
                    print(
                        f"per-float evaluation overhead besides the users call: {overhead['per_float_ms']:.1f} ms "
                        f"({overhead['n']} floats, W={overhead['workers']}, t_eval=0)",
                        flush=True,
                    )
                    rows = []
                    for case in makespan.grid(args.grid, overhead["per_float_ms"]):
                        row = makespan.run_case(bench, case)
                        rows.append(row)
                        print(
                            f"  N={case.n} share={case.share} t_eval={case.eval_ms} t_submit={case.submit_ms} "
                            f"{case.layout}: R={case.rate} W={case.workers} bound={case.bound_s:.1f}s "
                            f"makespan={fmt(row.makespan_s, 1)}s ratio={fmt(row.ratio)} "
                            f"floor={fmt(row.floor_ratio)} max1s={row.max_1s}/{case.rate}"
                            + (f" ERROR {row.error}" if row.error else ""),
                            flush=True,
                        )
                    results["makespan"] = [r.as_json() for r in rows]
                    sections.append(
                        ("Makespan / lower bound (target ≤ 1.05 on every row)", makespan_table(rows))
                    )
                    sections.append(
                        (
                            "Where the time went (seconds from the run's started_at; history event_at, "
                            "Payments received_at)",
                            timeline_table(rows),
                        )
                    )
                    sections.append(
                        ("Partner rate, from the simulator's payment_requests.received_at", rate_table(rows))
                    )
                if "preview" in only:
                    print("preview ...", flush=True)
                    results["preview"] = preview.run(bench, args.preview_n)
                    sections.append(("Preview", preview_table(results["preview"])))
                    print(sections[-1][1], flush=True)
                if "memory" in only:
                    print(f"memory: {small:,} then {large:,} floats ...", flush=True)
                    results["memory"] = memory.run(bench, small, large)
                    sections.append(("Memory (the run process's peak RSS)", memory_table(results["memory"])))
            finally:
                try:
                    bench.reset_dynamodb()  # so the sandbox's stop does not snapshot 100k items
                except Exception as exc:  # the sandbox may be gone; stop() still runs
                    print(f"(could not empty the DynamoDB tables before stopping: {exc})", file=sys.stderr)

    elapsed = time.monotonic() - started
    info["load_after"] = os.getloadavg()
    results["elapsed_s"] = elapsed
    report = [
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gib']} GiB RAM, Python {info['python']}, "
        f"{info['platform']}; "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f"; load average before {info['load_before'][0]:.1f}, after {info['load_after'][0]:.1f}; "
        f"grid `{args.grid}`; bench time {elapsed / 60:.1f} min"
    ]
    if "eval_overhead" in results:
        o = results["eval_overhead"]
        report.append(
            f"per-float evaluation overhead besides the users call (lock, re-fetch, history query, "
            f"event write, release): {o['per_float_ms']:.1f} ms per worker"
        )
    for title, table in sections:
        report.append(f"### {title}\n\n{table}")
    text = "\n\n".join(report) + "\n"
    print("\n" + "=" * 100 + "\n")
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text(text)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"saved {out / 'latest.md'} and {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

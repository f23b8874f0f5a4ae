"""Start-up: `floatctl --help` and `floatctl status --help` against a bare typer app's `--help`.

Each command is run REPEATS times, round-robin (so a change in the machine's load hits every command
alike), after one unmeasured warm-up; the figure is the median wall time. The yardstick is
benchmarks/bare_typer_app.py measured in the same run. `python -X importtime -c "import floatctl.cli"`
gives the top import offenders, and the modules `status --help` imports beyond `--help` say where a
sub-command's help spends its extra time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import median

TARGET = 1.3
REPEATS = 15
BARE_APP = Path(__file__).with_name("bare_typer_app.py")


@dataclass
class Timing:
    name: str
    command: list[str]
    samples: list[float]

    @property
    def median_s(self) -> float:
        return median(self.samples)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOATCTL_", "DD_"))}
    env["COLUMNS"] = "100"
    return env


def floatctl_command() -> list[str]:
    """The installed console script, as an operator types it (python -m floatctl when absent)."""
    script = Path(sys.executable).with_name("floatctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "floatctl"]


def _time_once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return elapsed


def measure(repeats: int = REPEATS) -> list[Timing]:
    env = _env()
    floatctl = floatctl_command()
    timings = [
        Timing("bare typer app --help", [sys.executable, str(BARE_APP), "--help"], []),
        Timing("floatctl --help", [*floatctl, "--help"], []),
        Timing("floatctl status --help", [*floatctl, "status", "--help"], []),
        Timing(
            "bare typer app hello --help (reference)", [sys.executable, str(BARE_APP), "hello", "--help"], []
        ),
    ]
    for t in timings:
        _time_once(t.command, env)  # warm the file cache and the .pyc files
    for _ in range(repeats):
        for t in timings:
            t.samples.append(_time_once(t.command, env))
    return timings


def importtime(args: list[str]) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) for each import `python -X importtime ARGS` makes."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, env=_env(), check=False
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((name.strip(), int(self_us), int(cumulative_us), depth))
    return rows


def import_offenders(top: int = 10) -> dict[str, object]:
    """The top offenders of `import floatctl.cli`, and what `status --help` imports on top of `--help`."""
    cli = importtime(["-c", "import floatctl.cli"])
    total_ms = sum(r[1] for r in cli) / 1000
    # What floatctl.cli imports directly, by cumulative time (importtime prints children before parents).
    children: list[tuple[str, int, int, int]] = []
    for r in cli:
        if r[3] == 0:
            if r[0] == "floatctl.cli":
                break
            children = []
        elif r[3] == 1:
            children.append(r)
    by_cumulative = sorted(children, key=lambda r: -r[2])[:top]
    by_self = sorted(cli, key=lambda r: -r[1])[:top]
    floatctl = floatctl_command()
    script = floatctl[0] if len(floatctl) == 1 else None
    base_args = [script] if script else ["-m", "floatctl"]
    root_help = {r[0]: r for r in importtime([*base_args, "--help"])}
    status_help = importtime([*base_args, "status", "--help"])
    extra = [r for r in status_help if r[0] not in root_help]
    extra_top = sorted((r for r in extra), key=lambda r: -r[2])[:6]
    heavy = [
        m
        for m in ("boto3", "botocore", "psycopg", "ddtrace", "textual", "datadog", "moto", "pgserver")
        if any(r[0] == m for r in cli)
    ]
    return {
        "total_ms": total_ms,
        "modules": len(cli),
        "cli_ms": next((r[2] / 1000 for r in cli if r[0] == "floatctl.cli"), 0.0),
        "by_cumulative": [(r[0], r[2] / 1000) for r in by_cumulative],
        "by_self": [(r[0], r[1] / 1000) for r in by_self],
        "status_help_extra_ms": sum(r[1] for r in extra) / 1000,
        "status_help_extra_modules": len(extra),
        "status_help_extra_top": [(r[0], r[2] / 1000) for r in extra_top],
        "heavy_imported": heavy,
    }


def run(repeats: int = REPEATS) -> dict[str, object]:
    timings = measure(repeats)
    bare = timings[0].median_s
    rows = []
    for t in timings:
        ratio = t.median_s / bare
        is_target = t.name in ("floatctl --help", "floatctl status --help")
        rows.append(
            {
                "command": t.name,
                "median_ms": t.median_s * 1000,
                "min_ms": min(t.samples) * 1000,
                "ratio": ratio,
                "target": TARGET if is_target else None,
                "ok": (ratio <= TARGET) if is_target else None,
                "runs": len(t.samples),
            }
        )
    return {"rows": rows, "imports": import_offenders()}

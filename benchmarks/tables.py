"""The Markdown tables `make bench` prints and saves: one per section, targets beside each row."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from benchmarks import makespan
from benchmarks.common import verdict


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# -- the tables ------------------------------------------------------------------------------------------


def startup_tables(result: dict[str, Any]) -> str:
    rows = [
        (
            r["command"],
            f"{r['median_ms']:.0f}",
            f"{r['min_ms']:.0f}",
            fmt(r["ratio"]),
            f"≤ {r['target']}" if r["target"] else "",
            verdict(r["ok"]) if r["ok"] is not None else "",
            r["runs"],
        )
        for r in result["rows"]
    ]
    text = tabulate(
        rows,
        headers=("command", "median ms", "min ms", "× bare --help", "target", "", "runs"),
        tablefmt="github",
    )
    imports = result["imports"]
    text += (
        f'\n\n`python -X importtime -c "import floatctl.cli"`: {imports["modules"]} modules, '
        f"{imports['total_ms']:.0f} ms of import self-time, floatctl.cli {imports['cli_ms']:.0f} ms cumulative; heavy packages imported: "
        f"{', '.join(imports['heavy_imported']) or 'none'}.\n\n"
    )
    text += tabulate(
        [
            (i + 1, a[0], f"{a[1]:.1f}", b[0], f"{b[1]:.1f}")
            for i, (a, b) in enumerate(zip(imports["by_cumulative"], imports["by_self"], strict=False))
        ],
        headers=("#", "imported by floatctl.cli, cumulative", "ms", "any module, self", "ms"),
        tablefmt="github",
    )
    text += (
        f"\n\n`floatctl status --help` imports {imports['status_help_extra_modules']} modules more than "
        f"`floatctl --help` ({imports['status_help_extra_ms']:.0f} ms self-time); the largest: "
        + ", ".join(f"{m} {ms:.0f} ms" for m, ms in imports["status_help_extra_top"])
        + "."
    )
    return text


def makespan_table(rows: list[makespan.Row]) -> str:
    table = []
    for r in rows:
        c = r.case
        table.append(
            (
                f"{c.n:,}",
                c.share,
                c.eval_ms,
                c.submit_ms,
                c.layout,
                c.n_submit,
                c.rate,
                c.workers,
                fmt(c.rate_bound_s, 1),
                fmt(c.eval_bound_s, 1),
                fmt(r.makespan_s, 1),
                fmt(r.wall_s, 1),
                fmt(r.ratio),
                fmt(r.floor_ratio),
                "≤ 1.05",
                verdict(r.ok) if not r.error else f"ERROR {r.error}",
            )
        )
    return tabulate(
        table,
        headers=(
            "N",
            "ACH share",
            "t_eval ms",
            "t_submit ms",
            "ACH floats",
            "N_submit",
            "R/s",
            "W",
            "N_submit/R s",
            "N·t_eval/W s",
            "makespan s",
            "wall s",
            "makespan/bound",
            "limiter floor/bound",
            "target",
            "",
        ),
        tablefmt="github",
    )


def timeline_table(rows: list[makespan.Row]) -> str:
    table = []
    for r in rows:
        c, t = r.case, r.timeline
        if not t:
            continue
        table.append(
            (
                f"{c.n:,}",
                c.share,
                c.eval_ms,
                c.submit_ms,
                c.layout,
                fmt(c.bound_s, 1),
                fmt(t.get("first_request"), 1),
                fmt(t.get("last_request"), 1),
                fmt(t.get("first_skip"), 1),
                fmt(t.get("median_skip"), 1),
                fmt(t.get("last_skip"), 1),
                fmt(t.get("finished"), 1),
                fmt(t.get("tail_after_last_request"), 1),
                fmt(100 * t["skips_after_last_request"], 0) + " %"
                if "skips_after_last_request" in t
                else "-",
                fmt(r.cpu_s, 0),
                fmt(r.sandbox_cpu_s, 0),
                fmt(100 * r.machine_busy, 0) + " %" if r.machine_busy is not None else "-",
            )
        )
    return tabulate(
        table,
        headers=(
            "N",
            "ACH share",
            "t_eval ms",
            "t_submit ms",
            "ACH floats",
            "bound s",
            "1st Payments request s",
            "last request s",
            "1st skip s",
            "median skip s",
            "last skip s",
            "finished s",
            "tail s",
            "skips after last request",
            "run CPU s",
            "sandbox CPU s",
            "machine busy",
        ),
        tablefmt="github",
    )


def rate_table(rows: list[makespan.Row]) -> str:
    table = []
    for r in rows:
        c = r.case
        if r.max_1s is None:
            continue
        table.append(
            (
                f"{c.n:,}",
                c.share,
                c.submit_ms,
                c.layout,
                c.rate,
                r.max_1s,
                fmt(r.max_1s / c.rate),
                "≤ 1.00",
                fmt(r.tightest_s, 3),
                r.over_windows,
                fmt(r.mean_rate, 2),
                fmt(r.mean_rate / c.rate if r.mean_rate else None, 3),
                "≥ 0.97" if c.rate_bound else "(not rate-bound)",
                verdict(bool(r.rate_ok)),
            )
        )
    return tabulate(
        table,
        headers=(
            "N",
            "ACH share",
            "t_submit ms",
            "ACH floats",
            "R/s",
            "max in 1 s",
            "max/R",
            "target",
            "shortest span of R+1 requests s",
            "requests over R in 1 s",
            "mean rate/s",
            "mean/R",
            "target",
            "",
        ),
        tablefmt="github",
    )


def memory_table(result: dict[str, Any]) -> str:
    rows = []
    for key in ("small", "large"):
        m = result[key]
        rows.append(
            (
                f"{m['n']:,}",
                fmt(m["peak_rss_mb"], 1),
                fmt(m["makespan_s"], 1),
                fmt(m["cpu_s"], 1),
                fmt(m["floats_per_s"], 0),
                ", ".join(f"{k} {v}" for k, v in sorted(m["counts"].items())),
            )
        )
    text = tabulate(
        rows,
        headers=("floats", "peak RSS MiB", "makespan s", "CPU s", "floats/s", "outcomes"),
        tablefmt="github",
    )
    text += (
        f"\n\npeak RSS {result['large']['n']:,} / {result['small']['n']:,}: **{result['ratio']:.3f}** "
        f"(target ≤ {result['target']:.2f}) {verdict(result['ok'])}"
    )
    return text


def preview_table(result: dict[str, Any]) -> str:
    return tabulate(
        [
            (
                f"{result['n']:,}",
                result["eval_ms"],
                result["workers"],
                fmt(result["bound_s"], 1),
                fmt(result["wall_s"], 1),
                fmt(result["ratio"]),
                f"≤ {result['target']}",
                verdict(result["ok"]),
            )
        ],
        headers=("floats", "t_eval ms", "W", "N·t_eval/W s", "wall s", "wall/bound", "target", ""),
        tablefmt="github",
    )


# -- the run -----------------------------------------------------------------------------------------------

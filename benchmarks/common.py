"""What every benchmark shares: a private sandbox, a fast data loader, and floatctl as a measured process.

The benchmarks never touch anybody else's sandbox: `own_sandbox()` starts one in a fresh temporary
directory (the pattern of tests/faults/reliability.py) and always stops it. Loading 100k floats
through `floatctl sandbox seed` would take minutes (row inserts, one DynamoDB put per item), so
`Bench.load` COPYs the rows straight into the sandbox's tables and recreates the two DynamoDB tables.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

RUN_DATE = date(2026, 11, 20)  # a Friday: the window is Saturday..Monday (as tests/scenarios.py)
FIRST_USER = 10_000
FIRST_FLOAT = 1_000


# -- scenarios ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    """Floats (id, user_id, status, amount_cents, due_date) and cards, and how many need ACH."""

    floats: list[tuple[Any, ...]]
    cards: list[tuple[Any, ...]]
    n_submit: int

    @property
    def n(self) -> int:
        return len(self.floats)


def needs_ach(i: int, n: int, share: float, layout: str) -> bool:
    """Whether the i-th float (in id order) needs ACH: `share` of them, spread evenly or all first."""
    if layout == "start":
        return i < round(share * n)
    if layout == "even":  # Bresenham: exactly round(share*n) of them, evenly spaced
        return int((i + 1) * share + 0.5) > int(i * share + 0.5)
    raise ValueError(f"layout must be 'even' or 'start', got {layout!r}")


def build_data(n: int, share: float, layout: str = "even", seed: int = 1, run_date: date = RUN_DATE) -> Data:
    """n SCHEDULING floats due in the run's window; those not needing ACH get a valid primary card."""
    from jobs.domain.calendar import due_window

    rng = random.Random(seed)
    days = due_window(run_date).days()
    floats, cards, n_submit = [], [], 0
    for i in range(n):
        user = FIRST_USER + i
        floats.append(
            (FIRST_FLOAT + i, user, "SCHEDULING", rng.randrange(1_000, 90_000), days[i % len(days)])
        )
        if needs_ach(i, n, share, layout):
            n_submit += 1
        else:
            cards.append((f"c{user}", user, f"{user % 10_000:04d}", True, "ACTIVE", 12, 2030))
    return Data(floats, cards, n_submit)


# -- figures --------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# -- CPU accounting ------------------------------------------------------------------------------------


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def tree_cpu_s(roots: list[int]) -> float:
    """CPU seconds (user + system) of these processes and all their descendants alive now."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat[1])
        times[pid] = (int(stat[11]) + int(stat[12])) / tick
    wanted = set(roots)
    grew = True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in wanted and pid not in wanted}
        wanted |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in wanted)


@dataclass
class CpuMeter:
    """Machine-wide CPU busy share and the sandbox's own CPU seconds between start() and stop()."""

    roots: list[int]
    busy: float = 0.0
    sandbox_cpu_s: float = 0.0

    def start(self) -> CpuMeter:
        self._jiffies = machine_jiffies()
        self._sandbox = tree_cpu_s(self.roots)
        return self

    def stop(self) -> CpuMeter:
        busy, total = machine_jiffies()
        self.busy = (busy - self._jiffies[0]) / max(1, total - self._jiffies[1])
        self.sandbox_cpu_s = tree_cpu_s(self.roots) - self._sandbox
        return self


# -- floatctl as a measured process --------------------------------------------------------------------


@dataclass
class Proc:
    """One floatctl process: exit code, the JSON it printed, wall time and its own peak RSS."""

    code: int
    wall_s: float
    peak_rss_mb: float
    cpu_s: float
    stdout: str
    stderr: str
    document: Any = None

    def seconds(self) -> float | None:
        """The run's own started_at -> finished_at, from its JSON summary."""
        doc = self.document or {}
        if not doc.get("started_at") or not doc.get("finished_at"):
            return None
        started = datetime.fromisoformat(doc["started_at"])
        finished = datetime.fromisoformat(doc["finished_at"])
        return (finished - started).total_seconds()


def vm_hwm_kib(pid: int) -> int | None:
    """The process's peak RSS so far (VmHWM), or None once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def run_process(command: list[str], env: dict[str, str], timeout: float = 900) -> Proc:
    """Run `command` to the end, with its CPU time (os.wait4) and its own peak RSS.

    The peak RSS is VmHWM read from /proc every 20 ms while the child runs, not wait4's ru_maxrss:
    Linux carries the pre-exec address space's high-water mark into ru_maxrss, and subprocess
    spawns with vfork, so ru_maxrss is at least this (the parent's) peak RSS — 100k floats of test
    data in the parent would show up as the child's memory.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        deadline = started + timeout
        peak_kib = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            peak_kib = max(peak_kib, vm_hwm_kib(proc.pid) or 0)
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    try:
        document = json.loads(stdout) if stdout.strip() else None
    except ValueError:
        document = None
    return Proc(
        proc.returncode, wall, peak_kib / 1024, usage.ru_utime + usage.ru_stime, stdout, stderr, document
    )


# -- the private sandbox ----------------------------------------------------------------------------------


@dataclass
class Bench:
    """A running private sandbox and the ways the benchmarks drive it."""

    root: Path
    sandbox: Any
    app: Any
    env: dict[str, str] = field(default_factory=dict)

    def cpu_meter(self) -> CpuMeter:
        """Measures the sandbox (services process, simulator, Postgres) and the machine as a whole."""
        from floatctl_sandbox import state

        roots = [self.sandbox.pid]
        postmaster = (state.read_state(self.sandbox.directory) or {}).get("postmaster_pid")
        if postmaster:
            roots.append(int(postmaster))
        return CpuMeter(roots)

    # data

    def load(self, data: Data) -> None:
        """Replace floats (main and replica), cards, payments, the request log and both DynamoDB tables."""
        import psycopg

        for db in ("main", "replica"):
            with psycopg.connect(self.sandbox.dsn(db), autocommit=True) as conn:
                conn.execute("TRUNCATE floats")
                copy = "COPY floats (id, user_id, status, amount_cents, due_date) FROM STDIN"
                with conn.cursor() as cur, cur.copy(copy) as cp:
                    for row in data.floats:
                        cp.write_row(row)
                conn.execute("VACUUM ANALYZE floats")
        with psycopg.connect(self.sandbox.dsn("services"), autocommit=True) as conn:
            conn.execute("TRUNCATE debit_cards, payments, payment_requests RESTART IDENTITY")
            copy = "COPY debit_cards (card_id, user_id, last4, is_primary, status, exp_month, exp_year) FROM STDIN"
            with conn.cursor() as cur, cur.copy(copy) as cp:
                for row in data.cards:
                    cp.write_row(row)
            conn.execute("VACUUM ANALYZE debit_cards")
        self.reset_dynamodb()

    def reset_dynamodb(self) -> None:
        """Drop and recreate the locks and history tables (much faster than deleting 10k items)."""
        ddb = self.app.aws().client("dynamodb")
        settings = self.app.settings
        for name in (settings.locks_table, settings.history_table):
            spec = ddb.describe_table(TableName=name)["Table"]
            ttl = ddb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
            ddb.delete_table(TableName=name)
            create: dict[str, Any] = {
                "TableName": name,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": spec["AttributeDefinitions"],
                "KeySchema": spec["KeySchema"],
            }
            if spec.get("GlobalSecondaryIndexes"):
                create["GlobalSecondaryIndexes"] = [
                    {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
                    for g in spec["GlobalSecondaryIndexes"]
                ]
            ddb.create_table(**create)
            if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                )

    def faults(self, **settings: Any) -> None:
        """Clear every fault, then set these (`users_latency_ms=20` is `users.latency_ms`)."""
        from floatctl_sandbox import actions

        actions.faults_request(self.sandbox, "DELETE")
        if settings:
            actions.faults_request(
                self.sandbox, "PUT", {k.replace("_", ".", 1): v for k, v in settings.items()}
            )

    def request_times(self) -> list[float]:
        """Receive times (epoch s) of every POST the Payments simulator logged."""
        import psycopg

        with psycopg.connect(self.sandbox.dsn("services")) as conn:
            rows = conn.execute("SELECT extract(epoch FROM received_at) FROM payment_requests").fetchall()
        return [float(r[0]) for r in rows]

    def float_events(self) -> list[tuple[float, str]]:
        """(event_at epoch s, outcome) of every float event in the history table (one run's, after load)."""
        ddb = self.app.aws().client("dynamodb")
        events = []
        for page in ddb.get_paginator("scan").paginate(
            TableName=self.app.settings.history_table,
            ProjectionExpression="kind, outcome, event_at",
        ):
            for item in page["Items"]:
                if item.get("kind", {}).get("S") != "float_event":
                    continue
                at = datetime.fromisoformat(item["event_at"]["S"].replace("Z", "+00:00")).timestamp()
                events.append((at, item["outcome"]["S"]))
        return sorted(events)

    def payments(self) -> int:
        import psycopg

        with psycopg.connect(self.sandbox.dsn("services")) as conn:
            return conn.execute("SELECT count(*) FROM payments").fetchone()[0]

    # processes

    def floatctl(self, *args: str, timeout: float = 900) -> Proc:
        return run_process([sys.executable, "-m", "floatctl", "-o", "json", *args], self.env, timeout)

    def run(self, *, rate: float, workers: int, extra: tuple[str, ...] = (), timeout: float = 900) -> Proc:
        """A real `run day-before-ach` for the benchmark date."""
        args = ["run", "day-before-ach", "--date", RUN_DATE.isoformat(), "--payment-submit-rate", f"{rate:g}"]
        args += ["--workers", str(workers), *extra]
        proc = self.floatctl(*args, timeout=timeout)
        if proc.code != 0 or proc.document is None:
            raise RuntimeError(f"the run exited {proc.code}: {proc.stderr.strip()[-600:]}")
        return proc


REPO = Path(__file__).resolve().parent.parent


@contextmanager
def own_sandbox() -> Iterator[Bench]:
    """A sandbox of our own in a temporary directory, stopped and removed whatever happens."""
    root = Path(tempfile.mkdtemp(prefix="fbench-", dir="/tmp"))  # short: the Postgres socket path
    root.chmod(0o755)
    directory = root / "sandbox"
    previous = {k: os.environ.get(k) for k in ("FLOATCTL_SANDBOX_DIR", "FLOATCTL_ENV", "FLOATCTL_NOW")}
    os.environ["FLOATCTL_SANDBOX_DIR"] = str(directory)
    os.environ["FLOATCTL_ENV"] = "sandbox"
    os.environ.pop("FLOATCTL_NOW", None)
    from floatctl.context import AppContext
    from floatctl.output import Output
    from floatctl_sandbox.control import ensure_running, stop
    from jobs.settings import Settings

    try:
        sandbox = ensure_running(directory)[0]
        app = AppContext(Settings.load(), Output(format="json"))
        app._sandbox = sandbox
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOATCTL_", "DD_"))}
        env.update(FLOATCTL_SANDBOX_DIR=str(directory), FLOATCTL_ENV="sandbox")
        for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "PAYMENTS_API_URL", "USERS_API_URL"):
            env.pop(var, None)
        yield Bench(root, sandbox, app, env)
    finally:
        try:
            stop(directory)
        finally:
            shutil.rmtree(root, ignore_errors=True)
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

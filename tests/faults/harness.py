"""The harness of the reliability trials (docs/reliability.md): real floatctl processes against the
sandbox, and the figures a trial reports. The trials themselves live in run_trials, input_trials,
exactly_once, store_trials, moved_trials and partner_trials; each returns figures that the pytest suite
(small counts) asserts and `make reliability` (large counts) prints.

The ground truth is the simulator's `payments` table (one row per idempotency key) and its
`payment_requests` log (one row per POST received, with the receive time).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from floatctl_sandbox import actions
from floatctl_sandbox.scenario import parse_scenario
from jobs.batch.options import BatchOptions
from jobs.finance.preview import build_preview
from jobs.runtime import Runtime
from tests import scenarios
from tests.processes import FLOATCTL

RUN_DATE = scenarios.RUN_DATE
RATE = 20


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events inside any sliding window of `window` seconds."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


@dataclass
class Figures:
    """What one trial saw."""

    name: str
    runs: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    lost: int = 0
    extra: int = 0
    max_per_second: int = 0
    rate: int = RATE
    exit_codes: Counter[int] = field(default_factory=Counter)
    sigterm_exit_s: list[float] = field(default_factory=list)
    faults: dict[str, Any] = field(default_factory=dict)
    unaccounted: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.lost or self.extra or self.unaccounted or self.problems) and (
            self.max_per_second <= self.rate
        )


class Harness:
    """Drives real floatctl processes against a running sandbox."""

    def __init__(self, sandbox: Any, app_context: Any) -> None:
        self.sandbox = sandbox
        self.app = app_context
        self.env = {**os.environ, "FLOATCTL_SANDBOX_DIR": str(sandbox.directory), "FLOATCTL_ENV": "sandbox"}
        self.env.pop("FLOATCTL_NOW", None)

    # -- data ---------------------------------------------------------------------------------

    def load(self, document: dict) -> None:
        actions.stop_tasks(self.app)
        actions.faults_request(self.sandbox, "DELETE")
        actions.load(self.app, self.sandbox, parse_scenario(document))

    def faults(self, **settings: Any) -> None:
        actions.faults_request(self.sandbox, "PUT", {k.replace("__", "."): v for k, v in settings.items()})

    def clear_faults(self) -> None:
        actions.faults_request(self.sandbox, "DELETE")

    def expected(self, run_date: date = RUN_DATE) -> tuple[set[int], int]:
        """The preview's SUBMIT_ACH floats and the number of floats in the window."""
        runtime = Runtime.from_settings(self.app.settings)
        try:
            preview = build_preview(BatchOptions(run_date=run_date), runtime.sources(), workers=16)
        finally:
            runtime.close()
        return {r.float.id for r in preview.rows if r.verdict == "SUBMIT_ACH"}, len(preview.rows)

    def paid(self) -> Counter[tuple[int, date]]:
        with psycopg.connect(self.sandbox.dsn("services")) as conn:
            rows = conn.execute("SELECT float_id, effective_date FROM payments").fetchall()
        return Counter((f, d) for f, d in rows)

    def request_times(self) -> list[float]:
        with psycopg.connect(self.sandbox.dsn("services")) as conn:
            rows = conn.execute("SELECT extract(epoch FROM received_at) FROM payment_requests").fetchall()
        return [float(r[0]) for r in rows]

    def check(self, figures: Figures, expected: set[int] | None = None) -> Figures:
        """Duplicates, lost and extra payments, and the rate, into the figures."""
        paid = self.paid()
        figures.duplicates += sum(n - 1 for n in paid.values() if n > 1)
        if expected is not None:
            floats = {f for f, _ in paid}
            figures.lost += len(expected - floats)
            figures.extra += len(floats - expected)
        figures.max_per_second = max(figures.max_per_second, max_in_window(self.request_times()))
        return figures

    # -- processes ------------------------------------------------------------------------------

    def start(
        self, *args: str, env: dict[str, str] | None = None, rate: int = RATE, defaults: bool = True
    ) -> subprocess.Popen[str]:
        """floatctl as a process; `run` gets the trial's date and rate unless `defaults` is off."""
        command = [*FLOATCTL, "-o", "json", *args]
        if defaults and args and args[0] == "run":
            command += ["--date", RUN_DATE.isoformat(), "--payment-submit-rate", str(rate)]
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**self.env, **(env or {})},
        )

    def finish(
        self, proc: subprocess.Popen[str], timeout: float = 180
    ) -> tuple[int, dict[str, Any] | None, str]:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            return -999, None, "HUNG: " + err[-500:]
        try:
            summary = json.loads(out) if out.strip() else None
        except ValueError:
            summary = None
        return proc.returncode, summary, err

    def run(self, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any] | None, str]:
        return self.finish(self.start("run", "day-before-ach", *extra, env=env))

    def locks_held(self) -> int:
        locks = Runtime.from_settings(self.app.settings).locks()
        return len(locks.list("float")) + len(locks.list("job"))

    def run_record_count(self) -> int:
        return len(
            Runtime.from_settings(self.app.settings).history().runs(scenarios.due_window(RUN_DATE).end)
        )

    def run_record_status(self, run_id: str) -> str | None:
        history = Runtime.from_settings(self.app.settings).history()
        records = [i for i in history.by_run_id(run_id) if i.get("kind") == "run"]
        return records[0]["status"] if records else None

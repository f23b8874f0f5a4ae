"""The reliability trials of DESIGN §10, shared by the pytest suite (small counts) and
`make reliability` (large counts). Each trial returns figures; callers assert or print them.

The ground truth is the simulator's `payments` table (one row per idempotency key) and its
`payment_requests` log (one row per POST received, with the receive time).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
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

RUN_DATE = scenarios.RUN_DATE
RATE = 20
# Every command that takes a run date, with the flag (or argument) that carries it.
DATE_COMMANDS = (
    ("run", "day-before-ach", "--date"),
    ("preview", "--date"),
    ("status", "--date"),
    ("launch", "day-before-ach", "--date"),
    ("recover", "day-before-ach", "--date"),
    ("reconcile", "--date"),
    ("history", "--date"),
    ("stop", "--date"),
    ("watch", "day-before-ach", "--date"),
    ("diff", "--date"),
    ("calendar", "explain"),
    ("calendar", "next", "--from"),
    ("sandbox", "seed", "--date"),
)


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
        command = [sys.executable, "-m", "floatctl", "-o", "json", *args]
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

    # -- the trials -------------------------------------------------------------------------------

    def crash_and_rerun(self, kills: int, seed: int = 1, floats: int = 120) -> Figures:
        """SIGKILL runs at random moments and at named crash points, then one clean run."""
        rng = random.Random(seed)
        figures = Figures("crash and rerun")
        self.load(scenarios.mixed(floats, seed=seed))
        expected, _ = self.expected()
        self.faults(payments__latency_ms=30)
        points = ["random", "after_lock", "after_pending", "after_submit"]
        for i in range(kills):
            point = points[i % len(points)]
            if point == "random":
                proc = self.start("run", "day-before-ach")
                time.sleep(rng.uniform(0.8, 3.0))
                proc.send_signal(signal.SIGKILL)
            else:
                proc = self.start(
                    "run", "day-before-ach", env={"FLOATCTL_CRASH_AT": f"{point}:{rng.randint(1, 12)}"}
                )
            code, _, _ = self.finish(proc)
            figures.runs += 1
            figures.exit_codes[code] += 1
            if code == -signal.SIGKILL:
                figures.kills[point] += 1
            self.check(figures)
        self.clear_faults()
        code, summary, err = self.run()
        figures.runs += 1
        figures.exit_codes[code] += 1
        if code != 0:
            figures.problems.append(f"clean run exited {code}: {err.strip()[-300:]}")
        return self.check(figures, expected)

    def concurrency(self) -> Figures:
        """Runs started together, a run while the job lock is held, a manual launch during a run."""
        figures = Figures("concurrency")
        self.load(scenarios.mixed(90, seed=7))
        expected, _ = self.expected()
        self.faults(payments__latency_ms=40)
        for together in (2, 3):
            procs = [self.start("run", "day-before-ach") for _ in range(together)]
            codes = sorted(self.finish(p)[0] for p in procs)
            figures.runs += together
            figures.exit_codes.update(codes)
            if codes.count(3) < together - 1:
                figures.problems.append(f"{together} runs together exited {codes}: more than one ran")
            self.check(figures)
        self.load(scenarios.mixed(90, seed=8))
        expected, _ = self.expected()
        self.faults(payments__latency_ms=40)
        first = self.start("run", "day-before-ach")
        self._wait_for_job_lock()
        second_code = self.run()[0]
        launch = self.finish(
            self.start(
                "launch",
                "day-before-ach",
                "--date",
                RUN_DATE.isoformat(),
                "--yes",
                env={"FLOATCTL_NOW": scenarios.AFTER_FIRE},
            )
        )
        first_code = self.finish(first)[0]
        figures.runs += 3
        figures.exit_codes.update([first_code, second_code, launch[0]])
        if second_code != 3:
            figures.problems.append(f"a run during another run exited {second_code}, not 3")
        if launch[0] != 3:
            figures.problems.append(f"a launch during a run exited {launch[0]}, not 3: {launch[2][-200:]}")
        if first_code != 0:
            figures.problems.append(f"the holding run exited {first_code}")
        self.clear_faults()
        return self.check(figures, expected)

    def _wait_for_job_lock(self, timeout: float = 30) -> None:
        locks = Runtime.from_settings(self.app.settings).locks()
        deadline = time.monotonic() + timeout
        while locks.get("job", "day-before-ach") is None and time.monotonic() < deadline:
            time.sleep(0.05)

    def downstream_faults(self, seed: int = 3, floats: int = 60) -> Figures:
        """5xx, 429 + Retry-After, timeouts, users errors, DynamoDB throttling, a killed DB connection."""
        figures = Figures("downstream faults")
        self.load(scenarios.mixed(floats, seed=seed))
        expected, in_window = self.expected()
        settings = {
            "payments.error_rate": 0.2,
            "payments.throttle_rate": 0.2,
            "payments.retry_after_s": 1,
            "payments.timeout_rate": 0.1,
            "payments.timeout_hang_s": 2,
            "users.error_rate": 0.2,
            "dynamodb.throttle_rate": 0.1,
            "payments.seed": seed,
        }
        actions.faults_request(self.sandbox, "PUT", settings)
        figures.faults = settings
        killer = threading.Thread(target=self._terminate_backends, args=(1.0,), daemon=True)
        proc = self.start("run", "day-before-ach", env={"FLOATCTL_HTTP_READ_TIMEOUT_S": "1"})
        killer.start()
        code, summary, err = self.finish(proc, timeout=240)
        killer.join()
        figures.runs += 1
        figures.exit_codes[code] += 1
        if summary is None:
            figures.problems.append(
                f"the faulted run ended without a summary (exit {code}): {err.strip()[-300:]}"
            )
        else:
            counts = summary["counts"]
            figures.unaccounted += in_window - sum(counts.values())
            if (code == 1) != bool(counts.get("FAILED")) or code not in (0, 1):
                figures.problems.append(f"exit {code} does not match counts {counts}")
        self.check(figures)
        self.clear_faults()
        code, _, err = self.run()
        figures.runs += 1
        figures.exit_codes[code] += 1
        if code != 0:
            figures.problems.append(f"the rerun after faults exited {code}: {err.strip()[-300:]}")
        return self.check(figures, expected)

    def _terminate_backends(self, after: float) -> None:
        time.sleep(after)
        with psycopg.connect(self.sandbox.dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'floatctl'"
            )

    def graceful_stop(self, trials: int, seed: int = 5) -> Figures:
        """SIGTERM at random moments: 143 within 25 s, locks released, the run record INTERRUPTED."""
        rng = random.Random(seed)
        figures = Figures("graceful stop")
        self.load(scenarios.mixed(200, seed=seed))
        expected, _ = self.expected()
        self.faults(payments__latency_ms=30)
        for _ in range(trials):
            runs_before = self.run_record_count()
            proc = self.start("run", "day-before-ach", rate=10)
            time.sleep(rng.uniform(1.2, 3.5))
            proc.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            code, summary, err = self.finish(proc, timeout=60)
            figures.sigterm_exit_s.append(round(time.monotonic() - signalled, 2))
            figures.runs += 1
            figures.exit_codes[code] += 1
            if code == 143:
                if self.locks_held():
                    figures.problems.append("locks left after SIGTERM")
                if summary is None or self.run_record_status(summary["run_id"]) != "INTERRUPTED":
                    figures.problems.append("run record not INTERRUPTED after SIGTERM")
            elif code == -signal.SIGTERM:
                # Killed before Python installed the handler (a loaded machine: interpreter start-up):
                # acceptable only if it had started nothing (ECS reports this exit as 143 too).
                if self.locks_held() or self.run_record_count() != runs_before:
                    figures.problems.append("killed by SIGTERM after it had started a run")
            elif code != 0:
                figures.problems.append(f"SIGTERM exit {code}: {err.strip()[-200:]}")
            self.check(figures)
        if max(figures.sigterm_exit_s, default=0) > 25:
            figures.problems.append(f"SIGTERM exit took {max(figures.sigterm_exit_s)} s")
        self.clear_faults()
        code = self.run()[0]
        figures.runs += 1
        if code != 0:
            figures.problems.append(f"the final run exited {code}")
        return self.check(figures, expected)

    # -- bad input ----------------------------------------------------------------------------------

    def bad_inputs(self, tmp_dir: Any) -> Figures:
        """Every bad input gets a one-line error or a per-float verdict with reason; no payment on bad data."""
        figures = Figures("bad input")
        tried: list[tuple[str, bool, str]] = []

        def one_line(name: str, code: int, err: str, want_code: int, fragment: str = "") -> None:
            lines = [line for line in err.strip().splitlines() if line]
            ok = code == want_code and lines and lines[0].startswith("error: ") and len(lines) <= 2
            ok = ok and "Traceback" not in err and fragment in err
            tried.append((name, bool(ok), f"exit {code}: {lines[:1]}"))

        # Malformed rows: each a skip with its reason, none paid.
        window = scenarios.due_window(RUN_DATE)
        due = window.start.isoformat()
        rows = [
            {"id": 1, "user_id": 1, "status": "SCHEDULING", "amount_cents": None, "due_date": due},
            {"id": 2, "user_id": 2, "status": "SCHEDULING", "amount_cents": -100, "due_date": due},
            {"id": 3, "user_id": 3, "status": "SCHEDULING", "amount_cents": 0, "due_date": due},
            {"id": 4, "user_id": None, "status": "SCHEDULING", "amount_cents": 100, "due_date": due},
            {
                "id": 5,
                "user_id": 5,
                "status": "WEIRD",
                "amount_cents": 100,
                "due_date": due,
                "replica": {"status": "SCHEDULING"},
            },
            {
                "id": 6,
                "user_id": 6,
                "status": "SCHEDULING",
                "amount_cents": 100,
                "due_date": "2027-01-05",
                "replica": {"due_date": due},
            },
        ]
        self.load({"floats": rows})
        code, summary, err = self.run()
        verdicts = summary["counts"] if summary else {}
        ok = code == 0 and verdicts == {"SKIP_INVALID": 4, "SKIP_STALE": 2} and not self.paid()
        tried.append(("malformed rows", ok, f"exit {code}: {verdicts}"))

        # Services that break their contract.
        for service, mode in (
            ("users", "bad_json"),
            ("users", "missing_cards"),
            ("users", "missing_field"),
            ("payments", "bad_json"),
            ("payments", "missing_payment_id"),
            ("payments", "error_body"),
        ):
            self.load(scenarios.mixed(6, seed=9) | {"cards": []})
            actions.faults_request(
                self.sandbox, "PUT", {f"{service}.contract_break": mode, f"{service}.contract_break_rate": 1}
            )
            code, summary, err = self.run()
            counts = summary["counts"] if summary else {}
            ok = code == 1 and counts == {"FAILED": 6}
            if service == "users":
                ok = ok and not self.paid()  # never a payment on bad data
            else:
                self.clear_faults()
                rerun = self.run()
                ok = ok and rerun[0] == 0 and rerun[1]["counts"] == {"SUBMITTED": 6}
                self.check(figures)
            tried.append((f"{service} {mode}", ok, f"exit {code}: {counts}"))
        self.clear_faults()

        # Corrupt secrets.
        sm = self.app.aws().client("secretsmanager")
        name = self.app.settings.main_secret
        original = sm.get_secret_value(SecretId=name)["SecretString"]
        for bad, fragment in (
            ("not json", "not valid JSON"),
            ('{"host": "x"}', "lacks"),
            ('{"host":"h","port":"p","username":"u","password":"pw-9x","dbname":"d"}', "port"),
        ):
            sm.put_secret_value(SecretId=name, SecretString=bad)
            try:
                code, _, err = self.run()
            finally:
                sm.put_secret_value(SecretId=name, SecretString=original)
            one_line(f"secret {bad[:14]!r}", code, err, 1, fragment)
            if "pw-9x" in err:
                tried.append(("secret value leaked", False, err))

        # Environment, flags and dates.
        for args, fragment in (
            (("--env", "staging", "status"), "unknown environment"),
            (("run", "day-before-ach", "--date", "2026-02-30"), "--date"),
            (("run", "day-before-ach", "--workers", "-1"), "--workers"),
            (("run", "day-before-ach", "--page-size", "abc"), "--page-size"),
            (("run", "day-before-ach", "--payment-submit-rate", "0"), "--payment-submit-rate"),
            (("preview", "--verdict", "PAY"), "--verdict"),
            (("locks", "release", "x#1", "--rvn", "r", "--reason", "y"), "namespace"),
        ):
            code, _, err = self.finish(self.start(*args, defaults=False))
            one_line(" ".join(args), code, err, 2, fragment)
        # The one range rule of every --date (jobs/domain/calendar.py parse_run_date): one line, exit 2.
        for args in DATE_COMMANDS:
            code, _, err = self.finish(self.start(*args, "9999-12-31", defaults=False))
            one_line(" ".join(args) + " 9999-12-31", code, err, 2, "outside 1900-01-01..2199-12-31")
        code, _, err = self.finish(
            subprocess.Popen(
                [sys.executable, "-m", "floatctl", "status"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**self.env, "FLOATCTL_HTTP_ATTEMPTS": "zero"},
            )
        )
        one_line("FLOATCTL_HTTP_ATTEMPTS=zero", code, err, 2, "FLOATCTL_HTTP_ATTEMPTS")

        # Scenario files.
        self.load(scenarios.mixed(3))
        for text, fragment in (
            ("{", "not JSON"),
            ('{"floats": [{"id": "x"}]}', "floats[0].id"),
            ('{"locks": [{"namespace": "nope"}]}', "locks[0]"),
            ("[]", "top level"),
        ):
            path = tmp_dir / "bad.json"
            path.write_text(text)
            code, _, err = self.finish(self.start("sandbox", "seed", "--from", str(path)))
            one_line(f"scenario {text[:20]!r}", code, err, 2, fragment)
        with psycopg.connect(self.sandbox.dsn("main")) as conn:
            kept = conn.execute("SELECT count(*) FROM floats").fetchone()[0]
        tried.append(("scenario refused keeps the data", kept == 3, f"{kept} floats"))

        figures.faults = {"bad inputs tried": len(tried)}
        figures.problems += [f"{name}: {detail}" for name, ok, detail in tried if not ok]
        figures.runs = len(tried)
        return self.check(figures)

    def prod_needs_confirmation(self) -> Figures:
        """In prod, state changes without --yes and without a terminal are refused and change nothing."""
        figures = Figures("prod confirmation")
        self.load(
            scenarios.mixed(3)
            | {
                "locks": [
                    {
                        "namespace": "float",
                        "lock_key": "float#9",
                        "owner": "r",
                        "owner_task": "gone-host:1",
                        "lease_expires_in_s": -5,
                        "rvn": "rv",
                    }
                ]
            }
        )
        settings = self.app.settings
        ecs = self.app.aws().client("ecs")

        def launched() -> int:
            return len(
                ecs.list_tasks(cluster=settings.cluster, startedBy="floatctl-launch").get("taskArns", [])
            )

        before = launched()
        prod = {
            "AWS_ENDPOINT_URL": settings.aws_endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PAYMENTS_API_URL": settings.payments_api_url,
            "USERS_API_URL": settings.users_api_url,
            "FLOATCTL_LOCKS_TABLE": settings.locks_table,
            "FLOATCTL_HISTORY_TABLE": settings.history_table,
            "FLOATCTL_CLUSTER": settings.cluster,
            "FLOATCTL_TASK_FAMILY": settings.task_family,
            "FLOATCTL_SCHEDULE_NAME": settings.schedule_name,
            "FLOATCTL_NOW": scenarios.AFTER_FIRE,
        }
        for args in (
            ("locks", "release", "float#9", "--rvn", "rv", "--reason", "test"),
            ("launch", "day-before-ach", "--date", RUN_DATE.isoformat(), "--reason", "test"),
        ):
            proc = subprocess.Popen(
                [sys.executable, "-m", "floatctl", "--env", "prod", *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**self.env, **prod},
            )
            code, _, err = self.finish(proc)
            figures.runs += 1
            if code != 4 or "PRODUCTION" not in err or "--yes" not in err:
                figures.problems.append(f"prod {args[0]} without --yes: exit {code}: {err.strip()[-200:]}")
        if Runtime.from_settings(settings).locks().get("float", "float#9") is None:
            figures.problems.append("the prod lock release went through without confirmation")
        figures.faults = {"tasks started by launch": launched() - before}
        return figures

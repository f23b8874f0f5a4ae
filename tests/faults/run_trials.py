"""The run under kills, concurrency, downstream faults and SIGTERM (docs/reliability.md, "The promises").
Each trial takes the harness and returns its figures; tests/faults/test_reliability.py asserts them with
small counts, `make reliability` prints them with large ones."""

from __future__ import annotations

import random
import signal
import threading
import time

import psycopg

from floatctl_sandbox import actions
from jobs.runtime import Runtime
from tests import scenarios
from tests.faults.harness import RUN_DATE, Figures, Harness
from tests.waiting import wait_for


def crash_and_rerun(h: Harness, kills: int, seed: int = 1, floats: int = 120) -> Figures:
    """SIGKILL runs at random moments and at named crash points, then one clean run."""
    rng = random.Random(seed)
    figures = Figures("crash and rerun")
    h.load(scenarios.mixed(floats, seed=seed))
    expected, _ = h.expected()
    h.faults(payments__latency_ms=30)
    points = ["random", "after_lock", "after_pending", "after_submit"]
    for i in range(kills):
        point = points[i % len(points)]
        if point == "random":
            proc = h.start("run", "day-before-ach")
            # A kill at a random moment is the trial (the named crash points cover the exact steps).
            time.sleep(rng.uniform(0.8, 3.0))
            proc.send_signal(signal.SIGKILL)
        else:
            proc = h.start(
                "run", "day-before-ach", env={"FLOATCTL_CRASH_AT": f"{point}:{rng.randint(1, 12)}"}
            )
        code, _, _ = h.finish(proc)
        figures.runs += 1
        figures.exit_codes[code] += 1
        if code == -signal.SIGKILL:
            figures.kills[point] += 1
        h.check(figures)
    h.clear_faults()
    code, summary, err = h.run()
    figures.runs += 1
    figures.exit_codes[code] += 1
    if code != 0:
        figures.problems.append(f"clean run exited {code}: {err.strip()[-300:]}")
    return h.check(figures, expected)


def concurrency(h: Harness) -> Figures:
    """Runs started together, a run while the job lock is held, a manual launch during a run."""
    figures = Figures("concurrency")
    h.load(scenarios.mixed(90, seed=7))
    expected, _ = h.expected()
    h.faults(payments__latency_ms=40)
    for together in (2, 3):
        procs = [h.start("run", "day-before-ach") for _ in range(together)]
        codes = sorted(h.finish(p)[0] for p in procs)
        figures.runs += together
        figures.exit_codes.update(codes)
        if codes.count(3) < together - 1:
            figures.problems.append(f"{together} runs together exited {codes}: more than one ran")
        h.check(figures)
    h.load(scenarios.mixed(90, seed=8))
    expected, _ = h.expected()
    h.faults(payments__latency_ms=40)
    first = h.start("run", "day-before-ach")
    _wait_for_job_lock(h)
    second_code = h.run()[0]
    launch = h.finish(
        h.start(
            "launch",
            "day-before-ach",
            "--date",
            RUN_DATE.isoformat(),
            "--yes",
            env={"FLOATCTL_NOW": scenarios.AFTER_FIRE},
        )
    )
    first_code = h.finish(first)[0]
    figures.runs += 3
    figures.exit_codes.update([first_code, second_code, launch[0]])
    if second_code != 3:
        figures.problems.append(f"a run during another run exited {second_code}, not 3")
    if launch[0] != 3:
        figures.problems.append(f"a launch during a run exited {launch[0]}, not 3: {launch[2][-200:]}")
    if first_code != 0:
        figures.problems.append(f"the holding run exited {first_code}")
    h.clear_faults()
    return h.check(figures, expected)


def _wait_for_job_lock(h: Harness, timeout: float = 30) -> None:
    locks = Runtime.from_settings(h.app.settings).locks()
    wait_for(lambda: locks.get("job", "day-before-ach"), timeout, "the first run's job lock")


def downstream_faults(h: Harness, seed: int = 3, floats: int = 60) -> Figures:
    """5xx, 429 + Retry-After, timeouts, users errors, DynamoDB throttling, a killed DB connection."""
    figures = Figures("downstream faults")
    h.load(scenarios.mixed(floats, seed=seed))
    expected, in_window = h.expected()
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
    actions.faults_request(h.sandbox, "PUT", settings)
    figures.faults = settings
    killer = threading.Thread(target=_terminate_backends, args=(h, 1.0), daemon=True)
    proc = h.start("run", "day-before-ach", env={"FLOATCTL_HTTP_READ_TIMEOUT_S": "1"})
    killer.start()
    code, summary, err = h.finish(proc, timeout=240)
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
    h.check(figures)
    h.clear_faults()
    code, _, err = h.run()
    figures.runs += 1
    figures.exit_codes[code] += 1
    if code != 0:
        figures.problems.append(f"the rerun after faults exited {code}: {err.strip()[-300:]}")
    return h.check(figures, expected)


def _terminate_backends(h: Harness, after: float) -> None:
    """Kill floatctl's Postgres connections `after` s into the run. The sleep times the fault on
    purpose (a connection dropped mid-run, wherever the run is); it orders nothing the trial checks."""
    time.sleep(after)
    with psycopg.connect(h.sandbox.dsn("postgres"), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'floatctl'"
        )


def graceful_stop(h: Harness, trials: int, seed: int = 5) -> Figures:
    """SIGTERM at random moments: 143 within 25 s, locks released, the run record INTERRUPTED."""
    rng = random.Random(seed)
    figures = Figures("graceful stop")
    h.load(scenarios.mixed(200, seed=seed))
    expected, _ = h.expected()
    h.faults(payments__latency_ms=30)
    for _ in range(trials):
        runs_before = h.run_record_count()
        proc = h.start("run", "day-before-ach", rate=10)
        time.sleep(rng.uniform(1.2, 3.5))  # a SIGTERM at a random moment is the trial, not an ordering
        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        code, summary, err = h.finish(proc, timeout=60)
        figures.sigterm_exit_s.append(round(time.monotonic() - signalled, 2))
        figures.runs += 1
        figures.exit_codes[code] += 1
        if code == 143:
            if h.locks_held():
                figures.problems.append("locks left after SIGTERM")
            if summary is None or h.run_record_status(summary["run_id"]) != "INTERRUPTED":
                figures.problems.append("run record not INTERRUPTED after SIGTERM")
        elif code == -signal.SIGTERM:
            # Killed before Python installed the handler (a loaded machine: interpreter start-up):
            # acceptable only if it had started nothing (ECS reports this exit as 143 too).
            if h.locks_held() or h.run_record_count() != runs_before:
                figures.problems.append("killed by SIGTERM after it had started a run")
        elif code != 0:
            figures.problems.append(f"SIGTERM exit {code}: {err.strip()[-200:]}")
        h.check(figures)
    if max(figures.sigterm_exit_s, default=0) > 25:
        figures.problems.append(f"SIGTERM exit took {max(figures.sigterm_exit_s)} s")
    h.clear_faults()
    code = h.run()[0]
    figures.runs += 1
    if code != 0:
        figures.problems.append(f"the final run exited {code}")
    return h.check(figures, expected)

"""Bad input and prod confirmation: every refused input is one line and changes nothing
(docs/reliability.md §9). Shared by tests/faults/test_reliability.py and `make reliability`."""

from __future__ import annotations

import subprocess
from typing import Any

import psycopg

from floatctl_sandbox import actions
from jobs.runtime import Runtime
from tests import scenarios
from tests.faults.harness import RUN_DATE, Figures, Harness
from tests.processes import FLOATCTL

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


def bad_inputs(h: Harness, tmp_dir: Any) -> Figures:
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
    h.load({"floats": rows})
    code, summary, err = h.run()
    verdicts = summary["counts"] if summary else {}
    ok = code == 0 and verdicts == {"SKIP_INVALID": 4, "SKIP_STALE": 2} and not h.paid()
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
        h.load(scenarios.mixed(6, seed=9) | {"cards": []})
        actions.faults_request(
            h.sandbox, "PUT", {f"{service}.contract_break": mode, f"{service}.contract_break_rate": 1}
        )
        code, summary, err = h.run()
        counts = summary["counts"] if summary else {}
        ok = code == 1 and counts == {"FAILED": 6}
        if service == "users":
            ok = ok and not h.paid()  # never a payment on bad data
        else:
            h.clear_faults()
            rerun = h.run()
            ok = ok and rerun[0] == 0 and rerun[1]["counts"] == {"SUBMITTED": 6}
            h.check(figures)
        tried.append((f"{service} {mode}", ok, f"exit {code}: {counts}"))
    h.clear_faults()

    # Corrupt secrets.
    sm = h.app.aws().client("secretsmanager")
    name = h.app.settings.main_secret
    original = sm.get_secret_value(SecretId=name)["SecretString"]
    for bad, fragment in (
        ("not json", "not valid JSON"),
        ('{"host": "x"}', "lacks"),
        ('{"host":"h","port":"p","username":"u","password":"pw-9x","dbname":"d"}', "port"),
    ):
        sm.put_secret_value(SecretId=name, SecretString=bad)
        try:
            code, _, err = h.run()
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
        code, _, err = h.finish(h.start(*args, defaults=False))
        one_line(" ".join(args), code, err, 2, fragment)
    # The one range rule of every --date (jobs/domain/calendar.py parse_run_date): one line, exit 2.
    for args in DATE_COMMANDS:
        code, _, err = h.finish(h.start(*args, "9999-12-31", defaults=False))
        one_line(" ".join(args) + " 9999-12-31", code, err, 2, "outside 1900-01-01..2199-12-31")
    code, _, err = h.finish(
        subprocess.Popen(
            [*FLOATCTL, "status"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**h.env, "FLOATCTL_HTTP_ATTEMPTS": "zero"},
        )
    )
    one_line("FLOATCTL_HTTP_ATTEMPTS=zero", code, err, 2, "FLOATCTL_HTTP_ATTEMPTS")

    # Scenario files.
    h.load(scenarios.mixed(3))
    for text, fragment in (
        ("{", "not JSON"),
        ('{"floats": [{"id": "x"}]}', "floats[0].id"),
        ('{"locks": [{"namespace": "nope"}]}', "locks[0]"),
        ("[]", "top level"),
    ):
        path = tmp_dir / "bad.json"
        path.write_text(text)
        code, _, err = h.finish(h.start("sandbox", "seed", "--from", str(path)))
        one_line(f"scenario {text[:20]!r}", code, err, 2, fragment)
    with psycopg.connect(h.sandbox.dsn("main")) as conn:
        kept = conn.execute("SELECT count(*) FROM floats").fetchone()[0]
    tried.append(("scenario refused keeps the data", kept == 3, f"{kept} floats"))

    figures.faults = {"bad inputs tried": len(tried)}
    figures.problems += [f"{name}: {detail}" for name, ok, detail in tried if not ok]
    figures.runs = len(tried)
    return h.check(figures)


def prod_needs_confirmation(h: Harness) -> Figures:
    """In prod, state changes without --yes and without a terminal are refused and change nothing."""
    figures = Figures("prod confirmation")
    h.load(
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
    settings = h.app.settings
    ecs = h.app.aws().client("ecs")

    def launched() -> int:
        return len(ecs.list_tasks(cluster=settings.cluster, startedBy="floatctl-launch").get("taskArns", []))

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
            [*FLOATCTL, "--env", "prod", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**h.env, **prod},
        )
        code, _, err = h.finish(proc)
        figures.runs += 1
        if code != 4 or "PRODUCTION" not in err or "--yes" not in err:
            figures.problems.append(f"prod {args[0]} without --yes: exit {code}: {err.strip()[-200:]}")
    if Runtime.from_settings(settings).locks().get("float", "float#9") is None:
        figures.problems.append("the prod lock release went through without confirmation")
    figures.faults = {"tasks started by launch": launched() - before}
    return figures

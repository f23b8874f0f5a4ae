"""Issue 16's trials about what crosses the edges: a trickling partner (§6), the partner's answers (§8),
refused inputs (§9). Shared by tests/faults/test_exactly_once.py and `make reliability`."""

from __future__ import annotations

import json
import signal
import time
from datetime import date
from typing import Any

import psycopg

from floatctl_sandbox.provision import alert_inbox_name, dead_letter_queue_name, finance_inbox_name
from jobs.domain.keys import idempotency_key
from jobs.runtime import Runtime
from tests import scenarios
from tests.faults.exactly_once import _no_card_floats, _requests
from tests.faults.harness import RUN_DATE, Figures, Harness
from tests.waiting import wait_for

# -- §6: a partner that trickles its answer ------------------------------------------------------------


def trickling_partner(h: Harness, users_too: bool = True) -> Figures:
    """Payments (then the User Service) answers one byte every 4 s: the run ends accounted within its bound,
    and SIGTERM during it exits within 25 s with the run INTERRUPTED and no lock left."""
    figures = Figures("trickling partner (§6)")
    h.load({"floats": _no_card_floats(3, start_id=4000)})
    h.faults(payments__trickle_byte_s=4)
    started = time.monotonic()
    attempts = "2" if users_too else "1"
    code, summary, err = h.finish(
        h.start("run", "day-before-ach", env={"FLOATCTL_HTTP_ATTEMPTS": attempts}), timeout=120
    )
    elapsed = time.monotonic() - started
    figures.runs += 1
    figures.exit_codes[code] += 1
    counts = summary["counts"] if summary else {}
    if summary is None or sum(counts.values()) != 3 or elapsed > 60:
        figures.problems.append(f"payments trickle: exit {code} after {elapsed:.0f} s, counts {counts}")
    h.load({"floats": _no_card_floats(20, start_id=4100)})
    h.faults(payments__trickle_byte_s=4)
    proc = h.start("run", "day-before-ach", rate=5)
    wait_for(lambda: _requests(h) >= 1, 60, "a trickling call in flight")
    proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    code, summary, err = h.finish(proc, timeout=60)
    figures.sigterm_exit_s.append(round(time.monotonic() - signalled, 2))
    figures.runs += 1
    figures.exit_codes[code] += 1
    if code != 143 or figures.sigterm_exit_s[-1] > 25:
        figures.problems.append(f"SIGTERM during a trickle: exit {code} after {figures.sigterm_exit_s[-1]} s")
    elif summary is None or h.run_record_status(summary["run_id"]) != "INTERRUPTED" or h.locks_held():
        figures.problems.append("after SIGTERM: run record not INTERRUPTED or locks left")
    if not users_too:
        h.clear_faults()
        return figures
    h.load({"floats": _no_card_floats(4, start_id=4200)})
    h.faults(users__trickle_byte_s=4)
    started = time.monotonic()
    code, summary, err = h.finish(
        h.start("run", "day-before-ach", env={"FLOATCTL_HTTP_ATTEMPTS": "1"}), timeout=120
    )
    elapsed = time.monotonic() - started
    figures.runs += 1
    counts = summary["counts"] if summary else {}
    if counts != {"FAILED": 4} or elapsed > 40 or h.paid():
        figures.problems.append(f"users trickle: exit {code} after {elapsed:.0f} s, counts {counts}")
    figures.faults = {"trickle": "1 byte / 4 s", "longest run s": round(elapsed, 1)}
    h.clear_faults()
    return figures


def low_rate(h: Harness, rate: float = 0.1, floats: int = 2) -> Figures:
    """At 0.1/s the second token comes 10 s after the first, longer than a call's 8 s deadline: every
    float is still sent once and SUBMITTED (the deadline counts from the first byte, not the token wait)."""
    figures = Figures("low rate, token wait > call deadline (§6)")
    h.load({"floats": _no_card_floats(floats, start_id=4500)})
    command = ["run", "day-before-ach", "--date", RUN_DATE.isoformat(), "--payment-submit-rate", str(rate)]
    code, summary, err = h.finish(h.start(*command, defaults=False), timeout=120)
    figures.runs += 1
    figures.exit_codes[code] += 1
    counts = summary["counts"] if summary else {}
    posts = _requests(h)
    figures.faults = {"rate": rate, "POSTs": posts}
    if code != 0 or counts != {"SUBMITTED": floats} or posts != floats:
        figures.problems.append(f"exit {code}, counts {counts}, {posts} POSTs: {err.strip()[-200:]}")
    return figures


# -- §8: answers that do not echo, and a 409 for a payment Payments holds -----------------------------


def partner_answers(h: Harness) -> Figures:
    """A 201 about another payment is never SUBMITTED; a 409 under our key records what Payments holds."""
    figures = Figures("partner answers checked (§8)")
    h.load({"floats": _no_card_floats(4, start_id=5000)})
    h.faults(payments__contract_break="wrong_echo", payments__contract_break_rate=1)
    code, summary, _ = h.run()
    figures.runs += 1
    counts = summary["counts"] if summary else {}
    if counts != {"FAILED": 4}:
        figures.problems.append(f"wrong echo: exit {code}, counts {counts} (must be FAILED, never SUBMITTED)")
    h.clear_faults()
    rows = _no_card_floats(1, start_id=5100, amount=6000)
    due = date.fromisoformat(rows[0]["due_date"])
    key = idempotency_key(rows[0]["id"], due)
    pending = {"float_id": rows[0]["id"], "outcome": "ACH_PENDING", "due_date": rows[0]["due_date"]}
    h.load(
        {"floats": rows, "history": [pending | {"event_at": "2026-11-19T23:00:00Z", "idempotency_key": key}]}
    )
    with psycopg.connect(h.sandbox.dsn("services"), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO payments (payment_id, idempotency_key, float_id, user_id, amount_cents, effective_date)"
            " VALUES ('pay_earlier', %s, %s, %s, 5000, %s)",
            (key, rows[0]["id"], rows[0]["user_id"], due),
        )
    results = [h.run() for _ in range(2)]
    figures.runs += 2
    counts = [r[1]["counts"] if r[1] else {} for r in results]
    events = Runtime.from_settings(h.app.settings).history().float_events(rows[0]["id"])
    found = [e for e in events if e.outcome == "ACH_FOUND" and e.payment_id == "pay_earlier"]
    if counts != [{"SKIP_ALREADY_SUBMITTED": 1}] * 2 or len(found) != 1 or results[0][0] != 0:
        figures.problems.append(f"409: counts {counts}, ACH_FOUND events {len(found)}")
    figures.faults = {"wrong echoes": 4, "409 read back": len(found)}
    return figures


# -- §9: a refused scenario keeps every store; out-of-range values are one line, exit 2 ----------------


def refused_inputs(h: Harness, tmp_dir: Any) -> Figures:
    figures = Figures("refused inputs keep the data (§9)")
    h.load(
        scenarios.mixed(5)
        | {
            "history": [
                {
                    "float_id": 101,
                    "outcome": "FAILED",
                    "due_date": "2026-11-23",
                    "event_at": "2026-11-19T23:00:00Z",
                }
            ],
            "locks": [
                {
                    "namespace": "float",
                    "lock_key": "float#7",
                    "owner": "x",
                    "owner_task": "host-x:1",
                    "lease_expires_in_s": 300,
                }
            ],
            "dlq": [{"error_code": "ECS_TASK_FAILED", "error_message": "an earlier missed fire"}],
        }
    )
    sqs = h.app.aws().client("sqs")
    queues = [
        sqs.get_queue_url(QueueName=name(h.app.settings))["QueueUrl"]
        for name in (alert_inbox_name, finance_inbox_name, dead_letter_queue_name)
    ]
    sqs.send_message(QueueUrl=queues[0], MessageBody="an alert already sent")

    def state() -> tuple[int, ...]:
        runtime = Runtime.from_settings(h.app.settings)
        with psycopg.connect(h.sandbox.dsn("main")) as conn:
            floats = conn.execute("SELECT count(*) FROM floats").fetchone()[0]
        messages = [
            int(
                sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
                    "Attributes"
                ]["ApproximateNumberOfMessages"]
            )
            for url in queues
        ]
        return floats, len(runtime.history().float_events(101)), len(runtime.locks().list("float")), *messages

    before = state()
    bad_documents = [
        ('{"floats": [{"id": 1, "amount_cents": 9223372036854775808}]}', "64-bit"),
        ('{"floats": [{"id": 1, "due_date": "9999-12-31"}]}', "outside"),
        (
            '{"history": [{"float_id": 1, "outcome": "SUBMITTED", "due_date": "9999-12-31", "event_at": "2026-01-01T00:00:00Z"}]}',
            "outside",
        ),
        (
            '{"locks": [{"namespace": "job", "lock_key": "k", "owner": "o", "owner_task": "t", "lease_expires_in_s": 99999999999}]}',
            "at most",
        ),
        (
            '{"runs": [{"run_id": "r", "run_date": "2026-11-20", "status": "FAILED", "started_at": "2026-11-20T00:00:00Z", "counts": {"FAILED": 1e400}}]}',
            "counts",
        ),
    ]
    tried = []
    for text, fragment in bad_documents:
        path = tmp_dir / "bad.json"
        path.write_text(text)
        code, _, err = h.finish(h.start("sandbox", "seed", "--from", str(path)))
        lines = [line for line in err.strip().splitlines() if line]
        ok = code == 2 and len(lines) <= 2 and lines and lines[0].startswith("error: ") and fragment in err
        tried.append((text[:40], ok and state() == before, f"exit {code}: {lines[:1]}"))
    # A scenario that passes every check, refused by SQS after Postgres and DynamoDB were written.
    h.faults(sqs__send_error_rate=1)
    path = tmp_dir / "good.json"
    path.write_text(
        json.dumps(scenarios.mixed(2, seed=4) | {"dlq": [{"error_code": "X", "error_message": "y"}]})
    )
    code, _, err = h.finish(h.start("sandbox", "seed", "--from", str(path)))
    h.clear_faults()
    lines = [line for line in err.strip().splitlines() if line]
    ok = code == 2 and lines and lines[0].startswith("error: ") and "refused by SQS" in err
    tried.append(
        ("refused by SQS mid-load", bool(ok and state() == before), f"exit {code}: {lines[:1]}; {state()}")
    )
    for args, fragment in (
        (("run", "day-before-ach", "--payment-submit-rate", "inf"), "--payment-submit-rate"),
        (("run", "day-before-ach", "--payment-submit-rate", "nan"), "--payment-submit-rate"),
        (("run", "day-before-ach", "--date", "9999-12-31"), "--date"),
        (("preview", "--date", "9999-12-31"), "--date"),
    ):
        code, _, err = h.finish(h.start(*args, defaults=False))
        lines = [line for line in err.strip().splitlines() if line]
        ok = (
            code == 2
            and lines
            and lines[0].startswith("error: ")
            and fragment in err
            and "Traceback" not in err
        )
        tried.append((" ".join(args), bool(ok), f"exit {code}: {lines[:1]}"))
    code, _, err = h.finish(h.start("run", "day-before-ach", env={"FLOATCTL_LOCKS_TABLE": "no-such-table"}))
    lines = [line for line in err.strip().splitlines() if line]
    ok = (
        code == 1
        and lines
        and lines[0].startswith("error: ")
        and "no-such-table" in err
        and "Traceback" not in err
    )
    tried.append(("a missing locks table", bool(ok), f"exit {code}: {lines[:1]}"))
    figures.runs = len(tried)
    figures.faults = {"inputs tried": len(tried)}
    figures.problems += [f"{name}: {detail}" for name, ok, detail in tried if not ok]
    return figures

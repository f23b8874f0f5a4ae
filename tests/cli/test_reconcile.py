"""`floatctl reconcile` against the sandbox: SIGKILLs between the steps of a send and answers Payments
lost (it stored the order) are all found; disagreements staged in a scenario (history events and the
simulator's payments) are each found once; a clean night (and the rerun that finishes a broken one)
reports nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess

import pytest

from floatctl_sandbox import actions
from tests import scenarios
from tests.processes import FLOATCTL
from tests.scenarios import RUN_DATE

DATE = RUN_DATE.isoformat()
DUE = "2026-11-23"  # Monday: the end of Friday's window, where the night's run records live


def _run(crash_at: str | None = None, env: dict[str, str] | None = None) -> int:
    environ = {k: v for k, v in os.environ.items() if k != "FLOATCTL_CRASH_AT"}
    if crash_at:
        environ["FLOATCTL_CRASH_AT"] = crash_at  # SIGKILL at that step (jobs.batch.crashpoints)
    command = [*FLOATCTL, "-o", "json", "run", "day-before-ach", "--date", DATE]
    return subprocess.run(
        [*command, "--payment-submit-rate", "50"],
        env={**environ, **(env or {})},
        capture_output=True,
        timeout=180,
    ).returncode


def _reconcile(cli):
    result = cli("reconcile", "--date", DATE, "-o", "json")
    return result.exit_code, json.loads(result.stdout)


def _outcomes(cli) -> dict[int, str]:
    """The night's last outcome per float, as history tells it."""
    document = json.loads(cli("history", "--date", DATE, "-o", "json").stdout)
    return {
        row["float_id"]: row["outcome"] for row in sorted(document["events"], key=lambda r: r["event_at"])
    }


def test_a_clean_night_reports_nothing(sandbox, load, cli):
    load(scenarios.mixed(8, seed=61))
    assert _run() == 0
    code, document = _reconcile(cli)
    assert (code, document["findings"]) == (0, [])
    assert document["keys_checked"] == document["payments_found"] > 0


def test_sigkills_between_the_steps_of_a_send_are_found_and_a_rerun_settles_them(sandbox, load, cli):
    load(scenarios.mixed(8, seed=62))
    assert _run("after_pending:1") == -9  # ACH_PENDING written, Payments never called
    code, document = _reconcile(cli)
    assert code == 1
    kinds = {f["kind"] for f in document["findings"]}  # submitters run in parallel: one or a few
    assert kinds == {"pending-without-payment"}, kinds

    assert _run("after_submit:1") == -9  # Payments took an order, its answer never recorded
    code, document = _reconcile(cli)
    kinds = sorted(f["kind"] for f in document["findings"])
    assert code == 1 and "payment-not-recorded" in kinds, kinds

    table = cli("reconcile", "--date", DATE)
    assert table.exit_code == 1 and "payment-not-recorded" in table.stdout and "finding" in table.stdout

    assert _run() == 0  # the rerun replays the same keys: Payments answers the one payment each
    code, document = _reconcile(cli)
    assert (code, document["findings"]) == (0, [])


# Payments stores the order, then its answer is lost: a 200 that says "internal error", a 201 about
# another payment, or a dropped connection (every retry replays the key and is dropped again).
LOST_ANSWERS = {
    "error body after storing": {"payments.contract_break": "error_body", "payments.contract_break_rate": 1},
    "wrong echo after storing": {"payments.contract_break": "wrong_echo", "payments.contract_break_rate": 1},
    "timeout after storing": {"payments.timeout_rate": 1, "payments.timeout_hang_s": 0},
}


@pytest.mark.parametrize("faults", LOST_ANSWERS.values(), ids=LOST_ANSWERS.keys())
def test_floats_failed_while_payments_accepted_them_are_each_found(sandbox, load, cli, faults):
    load(scenarios.mixed(8, seed=63))
    actions.faults_request(sandbox, "PUT", faults)
    assert _run(env={"FLOATCTL_HTTP_ATTEMPTS": "2"}) == 1  # every ACH float FAILED
    actions.faults_request(sandbox, "DELETE")
    failed = {float_id for float_id, outcome in _outcomes(cli).items() if outcome == "FAILED"}
    paid = {p["float_id"] for p in actions.payments(sandbox)}
    assert failed and failed == paid  # each FAILED float's order is held at Payments

    code, document = _reconcile(cli)
    assert code == 1
    found = {(f["kind"], f["float_id"]) for f in document["findings"]}
    assert found == {("failed-but-accepted", float_id) for float_id in failed}
    assert all(f["payment_id"] for f in document["findings"])


def _event(float_id: int, outcome: str, minute: int, **extra) -> dict:
    at = f"2026-11-21T00:{minute:02d}:00Z"
    return {
        "float_id": float_id,
        "outcome": outcome,
        "due_date": DUE,
        "event_at": at,
        "run_id": "night-1",
        **extra,
    }


def _sent(float_id: int, amount: int = 5000) -> list[dict]:
    """A send the night recorded as SUBMITTED (pending first, as the batch writes it)."""
    return [
        _event(float_id, "ACH_PENDING", 0, amount_cents=amount, user_id=float_id),
        _event(float_id, "SUBMITTED", 1, amount_cents=amount, user_id=float_id, payment_id=f"pay_{float_id}"),
    ]


def _held(float_id: int, amount: int = 5000, effective: str = DUE, **extra) -> dict:
    """A payment at Payments under the float's key for DUE."""
    key = f"day-before-ach:{float_id}:{DUE}"
    return {"float_id": float_id, "amount_cents": amount, "effective_date": effective, "idempotency_key": key,
            "payment_id": f"pay_{float_id}", "user_id": float_id, **extra}  # fmt: skip


STAGED = {
    "runs": [
        {"run_id": "night-1", "run_date": DATE, "status": "SUCCEEDED", "started_at": "2026-11-21T00:00:00Z"}
    ],
    "history": [
        *_sent(501),  # Payments knows no such payment
        *_sent(502),  # Payments holds other money
        *_sent(503),  # Payments holds another effective date
        *_sent(504),  # Payments returned it; history does not know
        *_sent(505),  # returned, and recorded as returned later (another run, another day)
        _event(505, "ACH_RETURNED", 30, run_id="returns-desk", payment_id="pay_505"),
        *_sent(506),  # agrees
    ],
    "payments": [
        _held(502, amount=4999),
        _held(503, effective="2026-11-24"),
        _held(504, status="RETURNED"),
        _held(505, status="RETURNED"),
        _held(506),
    ],
}


def test_staged_disagreements_are_each_found_once(sandbox, load, cli):
    load(STAGED)
    code, document = _reconcile(cli)
    assert code == 1
    assert [(f["kind"], f["float_id"]) for f in document["findings"]] == [
        ("submitted-without-payment", 501),
        ("amount-mismatch", 502),
        ("effective-date-mismatch", 503),
        ("payment-not-accepted", 504),
    ]
    by_float = {f["float_id"]: f for f in document["findings"]}
    assert "history 5000 cents, Payments 4999 cents" in by_float[502]["detail"]
    assert f"due {DUE}, Payments effective 2026-11-24" in by_float[503]["detail"]
    assert "RETURNED" in by_float[504]["detail"]
    assert (document["keys_checked"], document["payments_found"]) == (6, 5)


def test_csv_is_one_row_per_finding_with_cents(sandbox, load, cli):
    load(STAGED)
    result = cli("reconcile", "--date", DATE, "-o", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["kind", "float_id", "idempotency_key", "payment_id", "amount_cents", "detail"]
    assert [(r["kind"], r["float_id"], r["amount_cents"]) for r in rows] == [
        ("submitted-without-payment", "501", "5000"),
        ("amount-mismatch", "502", "4999"),
        ("effective-date-mismatch", "503", ""),
        ("payment-not-accepted", "504", "5000"),
    ]
    assert rows[1]["idempotency_key"] == f"day-before-ach:502:{DUE}" and rows[1]["payment_id"] == "pay_502"

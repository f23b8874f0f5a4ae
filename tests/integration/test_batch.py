"""The day-before-ach batch end to end against the sandbox: the simulator's payments are the truth."""

from __future__ import annotations

import json
import signal
import time

import psycopg

from floatctl_sandbox import actions
from jobs.adapters.history import HistoryStore
from jobs.adapters.locks import LockStore
from tests import scenarios
from tests.scenarios import RUN_DATE
from tests.waiting import wait_for

DATE = RUN_DATE.isoformat()
FAST = ("--payment-submit-rate", "50")


def _preview(cli, *extra):
    result = cli("-o", "json", "preview", "--date", DATE, *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _run(cli, *extra):
    result = cli("-o", "json", "run", "day-before-ach", "--date", DATE, *FAST, *extra)
    return result.exit_code, json.loads(result.stdout)


def _paid(sandbox) -> dict[int, int]:
    counts: dict[int, int] = {}
    for payment in actions.payments(sandbox):
        counts[payment["float_id"]] = counts.get(payment["float_id"], 0) + 1
    return counts


def test_run_pays_exactly_the_preview_submit_set_then_a_rerun_pays_nothing(sandbox, load, cli, app_context):
    document = scenarios.mixed(40)
    document["floats"].append(
        {"id": 9001, "user_id": 1, "status": "SCHEDULING", "amount_cents": -4, "due_date": "2026-11-21"}
    )
    document["floats"].append(
        {
            "id": 9002,
            "user_id": 2,
            "status": "SCHEDULING",
            "amount_cents": 700,
            "due_date": "2026-11-21",
            "replica": {"amount_cents": 600},
        }
    )
    document["history"].append(
        {"float_id": 9003, "outcome": "FAILED", "due_date": "2026-10-01", "event_at": "2026-09-30T23:00:00Z"}
    )
    load(document)
    preview = _preview(cli)
    expected = {r["float_id"] for r in preview["rows"] if r["verdict"] == "SUBMIT_ACH"}
    assert len(expected) == 26 and preview["totals"]["SKIP_VALID_CARD"]["count"] == 14
    assert {r["float_id"]: r["verdict"] for r in preview["rows"]}[9001] == "SKIP_INVALID"
    assert all(set(r["rules"]) == {"validity", "refetch", "history", "debit_card"} for r in preview["rows"])

    code, summary = _run(cli)
    assert code == 0 and summary["status"] == "SUCCEEDED"
    paid = _paid(sandbox)
    assert set(paid) == expected and set(paid.values()) == {1}
    assert summary["counts"]["SUBMITTED"] == 26 and summary["counts"]["SKIP_STALE"] == 1
    amounts = {r["float_id"]: r["amount_cents"] for r in preview["rows"]}
    assert summary["submitted_amount_cents"] == sum(amounts[f] for f in expected)

    history = HistoryStore(app_context.aws().client("dynamodb"), app_context.settings.history_table)
    run_items = history.by_run_id(summary["run_id"])
    outcomes = [i for i in run_items if i["kind"] == "float_event" and i["outcome"] != "ACH_PENDING"]
    assert sorted(i["float_id"] for i in outcomes) == sorted(r["float_id"] for r in preview["rows"])
    records = [i for i in run_items if i["kind"] == "run"]
    assert len(records) == 1 and records[0]["status"] == "SUCCEEDED"
    submitted = [i for i in outcomes if i["outcome"] == "SUBMITTED"]
    assert all(
        i["payment_id"].startswith("pay_") and i["idempotency_key"].startswith("day-before-ach:")
        for i in submitted
    )

    code, again = _run(cli)
    assert code == 0
    assert again["counts"]["SKIP_ALREADY_SUBMITTED"] == 26 and "SUBMITTED" not in again["counts"]
    assert _paid(sandbox) == paid
    locks = LockStore(app_context.aws().client("dynamodb"), app_context.settings.locks_table)
    assert locks.list("float") == [] and locks.list("job") == []


def test_paging_across_many_pages_with_gaps_loses_nothing(sandbox, load, cli):
    document = scenarios.mixed(101, seed=5)
    # Rows the paging must not return: outside the window, or not SCHEDULING.
    document["floats"] += [
        {"id": 5, "user_id": 1, "status": "SCHEDULING", "amount_cents": 1, "due_date": "2026-11-20"},
        {"id": 99_999, "user_id": 1, "status": "SCHEDULING", "amount_cents": 1, "due_date": "2026-11-24"},
        {"id": 99_998, "user_id": 1, "status": "PAID", "amount_cents": 1, "due_date": "2026-11-21"},
    ]
    load(document)
    for page_size in ("3", "50", "1000"):
        rows = _preview(cli, "--page-size", page_size)["rows"]
        assert [r["float_id"] for r in rows] == [f["id"] for f in document["floats"][:101]]


def test_two_runs_started_together_one_refuses_with_exit_3(sandbox, load, cli, floatctl_proc):
    load(scenarios.mixed(30, seed=2))
    assert cli("sandbox", "faults", "set", "payments.latency_ms=150").exit_code == 0
    procs = [floatctl_proc("-o", "json", "run", "day-before-ach", "--date", DATE, *FAST) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3], results
    refused = next(err for code, _, err in results if code == 3)
    assert "another run holds the job lock" in refused and "Traceback" not in refused
    assert set(_paid(sandbox).values()) == {1}


def test_sigterm_mid_run_interrupts_cleanly_and_a_rerun_finishes(
    sandbox, load, cli, floatctl_proc, app_context
):
    load(scenarios.mixed(150, seed=3))  # more than the in-flight floats a drain finishes
    preview = _preview(cli)
    expected = {r["float_id"] for r in preview["rows"] if r["verdict"] == "SUBMIT_ACH"}
    proc = floatctl_proc("-o", "json", "run", "day-before-ach", "--date", DATE, "--payment-submit-rate", "10")
    wait_for(lambda: len(_paid(sandbox)) >= 5, 30, "the run's first five payments", 0.1)
    proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    code = proc.wait(timeout=30)
    assert code == 143 and time.monotonic() - signalled < 25
    summary = json.loads(proc.stdout.read())
    assert summary["status"] == "INTERRUPTED"
    locks = LockStore(app_context.aws().client("dynamodb"), app_context.settings.locks_table)
    assert locks.list("float") == [] and locks.list("job") == []
    history = HistoryStore(app_context.aws().client("dynamodb"), app_context.settings.history_table)
    record = [i for i in history.by_run_id(summary["run_id"]) if i["kind"] == "run"][0]
    assert record["status"] == "INTERRUPTED"
    partial = _paid(sandbox)
    assert 0 < len(partial) < len(expected)

    code, rerun = _run(cli)
    assert code == 0 and rerun["status"] == "SUCCEEDED"
    final = _paid(sandbox)
    assert set(final) == expected and set(final.values()) == {1}


def test_a_lease_held_by_a_live_owner_is_skipped_and_a_dead_owners_is_taken(sandbox, load, cli):
    document = scenarios.mixed(4, seed=4)
    ids = [f["id"] for f in document["floats"]]
    document["cards"] = []
    document["locks"] = [
        {
            "namespace": "float",
            "lock_key": f"float#{ids[0]}",
            "owner": "r1",
            "owner_task": "other-host:1",
            "lease_expires_in_s": 300,
        },
        {
            "namespace": "float",
            "lock_key": f"float#{ids[1]}",
            "owner": "r2",
            "owner_task": f"{_host()}:999999",
            "lease_expires_in_s": 300,
        },
        {
            "namespace": "float",
            "lock_key": f"float#{ids[2]}",
            "owner": "r3",
            "owner_task": "other-host:2",
            "lease_expires_in_s": -5,
        },
    ]
    load(document)
    code, summary = _run(cli)
    assert code == 0 and summary["counts"] == {"SKIP_LOCKED": 1, "SUBMITTED": 3}
    assert ids[0] not in _paid(sandbox)


def _host():
    import socket

    return socket.gethostname()


def test_payments_faults_end_in_an_accounted_run_and_the_rerun_pays_the_failed(sandbox, load, cli):
    load(scenarios.mixed(24, seed=6))
    expected = {r["float_id"] for r in _preview(cli)["rows"] if r["verdict"] == "SUBMIT_ACH"}
    assert (
        cli(
            "sandbox",
            "faults",
            "set",
            "payments.error_rate=0.6",
            "payments.throttle_rate=0.2",
            "payments.retry_after_s=0",
            "payments.seed=11",
        ).exit_code
        == 0
    )
    code, summary = _run(cli)
    assert sum(summary["counts"].values()) == 24
    if summary["counts"].get("FAILED"):
        assert code == 1 and summary["status"] == "FAILED"
    cli("sandbox", "faults", "clear")
    code, rerun = _run(cli)
    assert code == 0
    final = _paid(sandbox)
    assert set(final) == expected and set(final.values()) == {1}


def test_a_timeout_after_the_payment_was_stored_is_replayed_not_paid_twice(sandbox, load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_HTTP_READ_TIMEOUT_S", "0.5")
    monkeypatch.setenv("FLOATCTL_HTTP_ATTEMPTS", "2")
    load(scenarios.mixed(3, seed=8) | {"cards": []})
    assert (
        cli("sandbox", "faults", "set", "payments.timeout_rate=1", "payments.timeout_hang_s=3").exit_code == 0
    )
    code, summary = _run(cli, "--workers", "3")
    # Every attempt timed out after Payments stored the payment: FAILED now, one payment each.
    assert code == 1 and summary["counts"] == {"FAILED": 3}
    assert set(_paid(sandbox).values()) == {1}
    cli("sandbox", "faults", "clear")
    code, rerun = _run(cli)
    assert code == 0 and rerun["counts"] == {"SUBMITTED": 3}
    assert len(_paid(sandbox)) == 3 and set(_paid(sandbox).values()) == {1}


def test_bad_flags_and_dates_get_one_line_and_exit_2(cli):
    for args in (
        ("run", "day-before-ach", "--date", "2026-13-01"),
        ("run", "day-before-ach", "--date", "soon"),
        ("run", "day-before-ach", "--workers", "0"),
        ("run", "day-before-ach", "--payment-submit-rate", "fast"),
        ("preview", "--verdict", "MAYBE"),
        ("preview", "--page-size", "-3"),
        ("run", "day-before-ach", "--nope"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("error: ") and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) <= 2


def test_replica_reads_never_use_offset():
    from jobs.adapters import sql

    assert (
        "OFFSET" not in sql.PAGE_SCHEDULING_FLOATS.upper()
        and "id > %(after_id)s" in sql.PAGE_SCHEDULING_FLOATS
    )


def test_the_partial_index_serves_the_page_query(sandbox):
    from jobs.adapters import sql

    with psycopg.connect(sandbox.dsn("replica")) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN " + sql.PAGE_SCHEDULING_FLOATS,
                {
                    "start": RUN_DATE,
                    "end": RUN_DATE,
                    "after_id": 0,
                    "limit": 50,
                    "shard_index": 0,
                    "shard_count": 1,
                },
            )
        )
    assert "floats_scheduling_by_id" in plan


def test_preview_keeps_an_earlier_verdict_when_a_later_input_fails(sandbox, load, cli):
    document = scenarios.mixed(2, seed=12)
    capped = document["floats"][0]
    document["history"] = [
        {
            "float_id": capped["id"],
            "outcome": "FAILED",
            "due_date": f"2026-0{m}-01",
            "event_at": f"2026-0{m}-01T00:00:00Z",
        }
        for m in (6, 7, 8)
    ]
    load(document)
    assert cli("sandbox", "faults", "set", "users.error_rate=1").exit_code == 0
    rows = {r["float_id"]: r for r in _preview(cli, "--workers", "2")["rows"]}
    assert rows[capped["id"]]["verdict"] == "SKIP_ATTEMPT_CAP"
    assert rows[capped["id"]]["rules"]["debit_card"]["result"] == "error"
    assert rows[document["floats"][1]["id"]]["verdict"] == "ERROR"


def test_a_pending_ach_is_resubmitted_even_when_a_valid_card_appeared(sandbox, load, cli):
    document = scenarios.mixed(1, seed=13)  # its one float has a valid primary card
    row = document["floats"][0]
    document["history"] = [
        {
            "float_id": row["id"],
            "outcome": "ACH_PENDING",
            "due_date": row["due_date"],
            "event_at": "2026-11-20T23:59:00Z",
        }
    ]
    load(document)
    code, summary = _run(cli)
    assert code == 0 and summary["counts"] == {"SUBMITTED": 1}
    assert _paid(sandbox) == {row["id"]: 1}


def test_clustered_ach_floats_wait_unlocked_and_are_rechecked_before_submitting(
    sandbox, load, cli, floatctl_proc, app_context
):
    """40 ACH floats first, 40 skip-floats after: the skips are done long before the rate lets the
    ACH floats through (they do not queue behind them), and a float that changed on main while it
    waited in the backlog is caught by the re-check under its lock, not paid."""
    from datetime import datetime

    ach = scenarios.mixed(40, seed=12)
    floats, cards = list(ach["floats"]), []
    for i, day in enumerate(["2026-11-21", "2026-11-22", "2026-11-23"] * 14):
        if len(cards) == 40:
            break
        user = 50_000 + i
        floats.append(
            {"id": 20_000 + i, "user_id": user, "status": "SCHEDULING", "amount_cents": 900, "due_date": day}
        )
        cards.append(
            {"user_id": user, "card_id": f"k{user}", "last4": "4242", "is_primary": True}
            | {"status": "ACTIVE", "exp_month": 12, "exp_year": 2030}
        )
    load({"floats": floats, "cards": cards, "history": [], "locks": []})
    last = ach["floats"][-1]["id"]  # the last ACH float: it waits longest in the backlog
    proc = floatctl_proc("-o", "json", "run", "day-before-ach", "--date", DATE, "--payment-submit-rate", "4")
    history = HistoryStore(app_context.aws().client("dynamodb"), app_context.settings.history_table)
    # The 10th skip-float is recorded: every ACH float has been evaluated.
    wait_for(lambda: history.float_events(20_009), 30, "the 10th skip-float's event")
    assert len(_paid(sandbox)) < 30
    with psycopg.connect(sandbox.dsn("main"), autocommit=True) as conn:
        conn.execute("UPDATE floats SET amount_cents = amount_cents + 1 WHERE id = %s", (last,))
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    summary = json.loads(proc.stdout.read())
    assert summary["counts"] == {"SKIP_STALE": 1, "SKIP_VALID_CARD": 40, "SUBMITTED": 39}
    events = [i for i in history.by_run_id(summary["run_id"]) if i.get("kind") == "float_event"]
    stale = next(e for e in events if e["outcome"] == "SKIP_STALE")
    assert stale["float_id"] == last and stale["reason"].startswith("at submission: main says amount")
    at = {e["outcome"]: [] for e in events}
    for e in events:
        at[e["outcome"]].append(datetime.fromisoformat(e["event_at"].replace("Z", "+00:00")))
    assert (
        max(at["SKIP_VALID_CARD"]) < min(at["SUBMITTED"]) + (max(at["SUBMITTED"]) - min(at["SUBMITTED"])) / 3
    )
    paid = _paid(sandbox)
    assert last not in paid and len(paid) == 39 and set(paid.values()) == {1}

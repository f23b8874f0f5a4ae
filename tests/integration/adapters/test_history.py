"""The collection history on DynamoDB (moto): events, per-float summaries and run records."""

from __future__ import annotations

from datetime import date

from jobs.domain.records import FloatEvent, RunRecord, utc_now


def test_history_events_summaries_and_run_records(runtime, load):
    load({})
    history = runtime.history()
    due = date(2026, 11, 23)
    history.put_event(FloatEvent(5, "r1", "FAILED", date(2026, 10, 1), user_id=77, idempotency_key="k-old"))
    # A FAILED that never reached Payments (its users-service call failed) is not an ACH attempt.
    history.put_event(FloatEvent(5, "r0", "FAILED", date(2026, 9, 1), user_id=77, reason="debit_card: 503"))
    history.put_event(FloatEvent(5, "r2", "ACH_PENDING", due, user_id=77, idempotency_key="k"))
    summary = history.float_history(5, due)
    assert (summary.already_submitted, summary.ach_attempts, summary.pending_key) == (False, 1, "k")
    history.put_event(
        FloatEvent(5, "r2", "SUBMITTED", due, user_id=77, payment_id="pay_1", idempotency_key="k")
    )
    summary = history.float_history(5, due)
    assert summary.already_submitted and summary.payment_id == "pay_1" and summary.pending_key is None
    assert [e.outcome for e in history.by_user_id(77)] == ["SUBMITTED", "ACH_PENDING", "FAILED", "FAILED"]
    record = RunRecord("r2", due, date(2026, 11, 20), utc_now())
    history.put_run(record)
    history.put_run(
        RunRecord(
            "r2", due, date(2026, 11, 20), record.started_at, status="SUCCEEDED", counts={"SUBMITTED": 1}
        )
    )
    runs = history.runs(due)
    assert len(runs) == 1 and runs[0].status == "SUCCEEDED" and runs[0].counts == {"SUBMITTED": 1}


def test_run_events_pages_one_runs_float_events_newest_first_without_its_record(runtime, load):
    load({})
    history = runtime.history()
    due = date(2026, 11, 23)
    started = utc_now()
    history.put_run(RunRecord("r3", due, date(2026, 11, 20), started))
    for float_id, outcome in ((7, "ACH_PENDING"), (7, "SUBMITTED"), (8, "SKIP_INVALID")):
        history.put_event(FloatEvent(float_id, "r3", outcome, due))
    history.put_event(FloatEvent(7, "r4", "SKIP_ALREADY_SUBMITTED", due))  # another run's
    events = history.run_events("r3")
    assert not isinstance(events, list)  # a generator: the reader folds page by page
    newest_first = [(8, "SKIP_INVALID"), (7, "SUBMITTED"), (7, "ACH_PENDING")]
    assert [(e.float_id, e.outcome) for e in events] == newest_first
    assert [i["kind"] for i in history.by_run_id("r3")] == ["float_event"] * 3 + ["run"]

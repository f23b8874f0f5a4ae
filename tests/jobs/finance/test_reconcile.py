"""The reconcile decision over our events and the partner's answers (pure: no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from jobs.domain.keys import idempotency_key
from jobs.domain.model import ACH_PENDING, FAILED, SKIP_VALID_CARD, SUBMITTED
from jobs.domain.records import FloatEvent
from jobs.finance.reconcile import accepted, reconcile

DUE = date(2026, 11, 24)
T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def event(float_id, outcome, minute, **kw):
    key = idempotency_key(float_id, DUE) if outcome in (ACH_PENDING, SUBMITTED, FAILED) else None
    return FloatEvent(
        float_id=float_id,
        run_id=kw.pop("run_id", "r1"),
        outcome=outcome,
        due_date=DUE,
        event_at=T0 + timedelta(minutes=minute),
        amount_cents=kw.pop("amount_cents", 1000),
        idempotency_key=key,
        **kw,
    )


def payment(float_id, amount=1000, effective=DUE, **extra):
    return {
        "payment_id": f"pay-{float_id}",
        "float_id": float_id,
        "amount_cents": amount,
        "effective_date": effective.isoformat(),
        "idempotency_key": idempotency_key(float_id, DUE),
        **extra,
    }


def kinds(findings):
    return [(f.kind, f.float_id) for f in findings]


def test_a_clean_night_reports_nothing():
    events = [
        event(1, ACH_PENDING, 0),
        event(1, SUBMITTED, 1, payment_id="pay-1"),
        event(2, SKIP_VALID_CARD, 1),
        event(3, ACH_PENDING, 2),
        event(3, FAILED, 3, reason="HTTP 422"),
    ]
    answers = {idempotency_key(1, DUE): payment(1), idempotency_key(3, DUE): None}
    assert reconcile(events, answers) == []


def test_each_disagreement_is_found_once():
    events = [
        event(1, ACH_PENDING, 0),  # sent, never reached Payments
        event(2, ACH_PENDING, 0),  # Payments took it, the answer was lost
        event(3, ACH_PENDING, 0),
        event(3, FAILED, 1, reason="timeout"),  # a timeout that Payments accepted
        event(4, ACH_PENDING, 0),
        event(4, SUBMITTED, 1, payment_id="pay-4"),  # Payments knows no such payment
        event(5, ACH_PENDING, 0),
        event(5, SUBMITTED, 1, payment_id="pay-5"),  # different money, different date
    ]
    answers = {
        idempotency_key(1, DUE): None,
        idempotency_key(2, DUE): payment(2),
        idempotency_key(3, DUE): payment(3),
        idempotency_key(4, DUE): None,
        idempotency_key(5, DUE): payment(5, amount=999, effective=DUE + timedelta(days=1)),
    }
    assert kinds(reconcile(events, answers)) == [
        ("pending-without-payment", 1),
        ("payment-not-recorded", 2),
        ("failed-but-accepted", 3),
        ("submitted-without-payment", 4),
        ("amount-mismatch", 5),
        ("effective-date-mismatch", 5),
    ]


def test_a_rerun_that_recorded_the_payment_settles_a_lost_answer():
    events = [
        event(2, ACH_PENDING, 0, run_id="r1"),
        event(2, ACH_PENDING, 30, run_id="r2"),
        event(2, SUBMITTED, 31, run_id="r2", payment_id="pay-2"),
    ]
    assert reconcile(events, {idempotency_key(2, DUE): payment(2)}) == []


def test_a_payment_payments_no_longer_holds_as_accepted_is_found_unless_history_records_the_return():
    events = [event(1, ACH_PENDING, 0), event(1, SUBMITTED, 1, payment_id="pay-1")]
    events += [event(2, ACH_PENDING, 0), event(2, SUBMITTED, 1, payment_id="pay-2")]
    events += [event(3, ACH_PENDING, 0), event(3, FAILED, 1, reason="timeout")]
    answers = {
        idempotency_key(1, DUE): payment(1, status="RETURNED"),
        idempotency_key(2, DUE): payment(2, status="ACCEPTED"),
        idempotency_key(3, DUE): payment(3, status="RETURNED"),
    }
    found = reconcile(events, answers)
    assert kinds(found) == [("payment-not-accepted", 1), ("failed-but-accepted", 3)]
    assert "RETURNED" in found[0].detail and "(now RETURNED)" in found[1].detail
    # an ACH_RETURNED recorded for the key (or the payment id), by any run, settles it
    assert kinds(reconcile(events, answers, returned={idempotency_key(1, DUE)})) == [
        ("failed-but-accepted", 3)
    ]
    assert kinds(reconcile(events, answers, returned={"pay-1"})) == [("failed-but-accepted", 3)]


def test_a_payment_without_a_status_counts_as_accepted():
    assert accepted({"payment_id": "p"}) and accepted({"status": "ACCEPTED"})
    assert not accepted({"status": "RETURNED"})

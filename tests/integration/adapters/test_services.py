"""The User Service and Payments clients against the simulator: retries, Retry-After, the key, the
echoed order, total deadlines and hard stops, and when the rate limiter's token is taken."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from jobs.adapters.services import PaymentsClient, RetryPolicy, SignedHttp, UsersClient
from jobs.batch.limiter import RateLimiter
from tests.waiting import wait_for


def _requests_received(sandbox) -> int:
    """POSTs the Payments simulator received (its payment_requests log), refused ones included."""
    import psycopg

    with psycopg.connect(sandbox.dsn("services")) as conn:
        return conn.execute("SELECT count(*) FROM payment_requests").fetchone()[0]


def _http(runtime, **policy):
    return SignedHttp(runtime.aws.credentials, "us-east-1", RetryPolicy(**policy))


def test_users_client_reads_cards_and_retries_5xx(runtime, load, cli):
    load(
        {
            "cards": [
                {
                    "user_id": 3,
                    "card_id": "c3",
                    "last4": "1234",
                    "is_primary": True,
                    "status": "ACTIVE",
                    "exp_month": 1,
                    "exp_year": 2030,
                }
            ]
        }
    )
    users = UsersClient(_http(runtime, backoff_initial_s=0.01, jitter_s=0.01), runtime.settings.users_api_url)
    assert [c.last4 for c in users.debit_cards(3)] == ["1234"] and users.debit_cards(4) == []
    cli("sandbox", "faults", "set", "users.error_rate=1")
    from jobs.errors import ServiceError

    with pytest.raises(ServiceError):
        users.debit_cards(3)


def test_payments_retries_honour_retry_after_reuse_the_key_and_take_a_token_each(runtime, load, cli, sandbox):
    import psycopg

    load({})
    cli("sandbox", "faults", "set", "payments.throttle_rate=1", "payments.retry_after_s=1")
    payments = PaymentsClient(_http(runtime, attempts=3), runtime.settings.payments_api_url)
    limiter = RateLimiter(100)
    tokens = []

    def clear_after_two_refusals() -> None:
        wait_for(lambda: _requests_received(sandbox) >= 2, 10, "the second throttled request")
        cli("sandbox", "faults", "clear")

    clear = threading.Thread(target=clear_after_two_refusals, daemon=True)
    clear.start()
    started = time.monotonic()
    result = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
        before_attempt=lambda: tokens.append(limiter.acquire()),
    )
    clear.join(timeout=10)
    assert result.accepted and time.monotonic() - started >= 2.0  # two Retry-After: 1 waits
    assert len(tokens) == 3
    with psycopg.connect(sandbox.dsn("services")) as conn:
        keys = conn.execute("SELECT DISTINCT idempotency_key FROM payment_requests").fetchall()
    assert keys == [("day-before-ach:1:2026-11-24",)]
    again = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
    )
    assert again.accepted and again.replayed and again.payment_id == result.payment_id
    other = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=999,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
    )
    # 409: the payment held under our key is read back and reported, not retried as an attempt.
    assert not other.accepted and other.status == 409 and other.payment_id == result.payment_id
    assert other.held["amount_cents"] == 300 and "already holds payment" in other.reason
    assert payments.payment("day-before-ach:1:2026-11-24")["payment_id"] == result.payment_id
    assert payments.payment("day-before-ach:1:1999-01-01") is None


def test_an_answer_that_does_not_echo_our_order_is_a_contract_break(runtime, load, cli):
    load({})
    assert (
        cli(
            "sandbox",
            "faults",
            "set",
            'payments.contract_break="wrong_echo"',
            "payments.contract_break_rate=1",
        ).exit_code
        == 0
    )
    payments = PaymentsClient(_http(runtime, attempts=1), runtime.settings.payments_api_url)
    result = payments.submit(
        float_id=5,
        user_id=6,
        amount_cents=700,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:5:2026-11-24",
    )
    assert not result.accepted and "contract break" in result.reason and "float_id" in result.reason


def test_a_trickling_answer_is_cut_at_the_total_deadline_and_at_a_hard_stop(runtime, load, cli):
    from jobs.errors import ServiceError

    load({})
    assert cli("sandbox", "faults", "set", "users.trickle_byte_s=0.5").exit_code == 0
    users = UsersClient(
        _http(runtime, attempts=2, total_deadline_s=1.0, backoff_initial_s=0.01),
        runtime.settings.users_api_url,
    )
    started = time.monotonic()
    with pytest.raises(ServiceError, match="total deadline"):
        users.debit_cards(3)
    assert time.monotonic() - started < 3.5  # two attempts of 1 s each, not 2 x 20 bytes x 0.5 s
    stop = threading.Event()
    users = UsersClient(_http(runtime, attempts=1, total_deadline_s=60.0), runtime.settings.users_api_url)
    # The stop comes 0.5 s into an answer that takes 10 s to trickle: its moment is the stimulus, not an
    # ordering (the call is in flight whether it started at once or late).
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with pytest.raises(ServiceError, match="hard stop"):
        users.debit_cards(3, stop=stop)
    assert time.monotonic() - started < 2.0


def test_the_total_deadline_starts_after_the_wait_for_the_token(runtime, load):
    """At a low rate the token wait is longer than the deadline: the call must still go out, once."""
    load({})
    limiter = RateLimiter(1.5)  # the second token comes ~0.67 s after the first
    payments = PaymentsClient(
        _http(runtime, attempts=1, total_deadline_s=0.4), runtime.settings.payments_api_url
    )
    waits = []
    results = [
        payments.submit(
            float_id=float_id,
            user_id=2,
            amount_cents=300,
            effective_date=date(2026, 11, 24),
            idempotency_key=f"day-before-ach:{float_id}:2026-11-24",
            before_attempt=lambda: waits.append(limiter.acquire()) or limiter.sent,
        )
        for float_id in (1, 2)
    ]
    assert max(waits) > 0.4  # the second waited past a whole deadline for its token ...
    assert [r.accepted for r in results] == [True, True], [r.reason for r in results]  # ... and was sent


def test_the_token_is_taken_at_the_first_send_after_connecting(runtime, load, sandbox):
    """No token for a connection that never opened; a limiter stop sends nothing at all."""
    import socket

    import psycopg

    from jobs.batch.limiter import LimiterStopped

    load({})
    http = _http(runtime, attempts=1)
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    tokens = []
    refused = PaymentsClient(http, closed).submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
        before_attempt=lambda: tokens.append(1),
    )
    assert not refused.accepted and "connection failed" in refused.reason and tokens == []

    def stopped():
        raise LimiterStopped("stopped")

    payments = PaymentsClient(http, runtime.settings.payments_api_url)
    with pytest.raises(LimiterStopped):
        payments.submit(
            float_id=1,
            user_id=2,
            amount_cents=300,
            effective_date=date(2026, 11, 24),
            idempotency_key="day-before-ach:1:2026-11-24",
            before_attempt=stopped,
        )
    with psycopg.connect(sandbox.dsn("services")) as conn:
        assert conn.execute("SELECT count(*) FROM payment_requests").fetchone() == (0,)
    sent = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
        before_attempt=lambda: tokens.append(1),
    )
    assert sent.accepted and tokens == [1]  # the pool is still good after the stopped attempt

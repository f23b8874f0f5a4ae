"""The Payments and User Service simulator over real HTTP, real SigV4 and a real Postgres."""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pgserver
import psycopg
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from floatctl_sandbox.faults import Faults, parse_assignments
from floatctl_sandbox.simulator import Simulator, apply_schema
from tests.waiting import wait_for

CREDENTIALS = Credentials("testing", "testing")
HTTP = urllib3.PoolManager(maxsize=32, retries=False, timeout=5.0)
ORDER = {"float_id": 7, "user_id": 70, "amount_cents": 5000, "effective_date": "2026-11-27"}


@pytest.fixture(scope="module")
def services_dsn():
    root = Path(tempfile.mkdtemp(dir="/tmp"))
    os.chmod(root, 0o755)  # pgserver runs postgres as its own user when we are root
    server = pgserver.get_server(str(root / "pg"), cleanup_mode="stop")
    try:
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE services")
        dsn = server.get_uri("services")
        apply_schema(dsn)
        apply_schema(dsn)  # idempotent
        with psycopg.connect(dsn) as conn:
            conn.execute(
                "INSERT INTO debit_cards VALUES ('c-70', 70, '4242', true, 'ACTIVE', 12, 2027),"
                " ('c-71', 70, '1111', false, 'BLOCKED', 1, 2025)"
            )
        yield dsn
    finally:
        server.cleanup()
        atexit.unregister(server._cleanup)  # else it logs again after pytest closed its streams
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def simulator(services_dsn):
    with Simulator(services_dsn) as sim:
        yield sim


@pytest.fixture(autouse=True)
def no_faults(simulator):
    simulator.faults.clear()
    yield
    simulator.faults.clear()


def call(sim, method, path, payload=None, key=None, *, sign=True, credentials=CREDENTIALS, timeout=5.0):
    """Send one request, SigV4-signed for execute-api as the batch's client signs it."""
    url = sim.url + path
    body = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    if sign:
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
    return HTTP.request(method, url, body=body, headers=headers, timeout=timeout)


def admin(sim, method, payload=None):
    body = json.dumps(payload).encode() if payload is not None else None
    return HTTP.request(method, sim.url + "/_sim/faults", body=body)


def pay(sim, order=ORDER, key=None, **kwargs):
    return call(sim, "POST", "/v1/ach/next-day", order, key or f"test:{uuid.uuid4().hex}", **kwargs)


def payment_rows(dsn, key):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT payment_id FROM payments WHERE idempotency_key = %s", (key,)).fetchall()


def test_health_needs_no_signature_and_is_logged(simulator, caplog):
    with caplog.at_level(logging.INFO, logger="floatctl_sandbox.simulator"):
        response = HTTP.request("GET", simulator.url + "/_sim/health")
    assert (response.status, response.json()) == (200, {"ok": True})
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == ["GET /_sim/health -> 200"]


def test_cards_are_listed_per_user(simulator):
    response = call(simulator, "GET", "/v1/users/70/debit-cards")
    assert response.status == 200
    body = response.json()
    assert body["user_id"] == 70
    assert body["cards"][0] == {
        "card_id": "c-70",
        "last4": "4242",
        "is_primary": True,
        "status": "ACTIVE",
        "exp_month": 12,
        "exp_year": 2027,
    }
    assert [card["card_id"] for card in body["cards"]] == ["c-70", "c-71"]
    assert call(simulator, "GET", "/v1/users/999/debit-cards").json() == {"user_id": 999, "cards": []}
    assert call(simulator, "GET", "/v1/users/abc/debit-cards").status == 400


def test_payment_is_created_then_replayed_then_conflicts(simulator):
    key = f"day-before-ach:7:{uuid.uuid4().hex}"
    created = pay(simulator, key=key)
    assert created.status == 201
    payment = created.json()
    assert payment["payment_id"].startswith("pay_") and len(payment["payment_id"]) == 36
    assert {k: payment[k] for k in ORDER} == ORDER
    assert (payment["idempotency_key"], payment["status"]) == (key, "ACCEPTED")

    replayed = pay(simulator, key=key)
    assert (replayed.status, replayed.json()) == (200, payment)

    conflict = pay(simulator, {**ORDER, "amount_cents": 5001}, key=key)
    assert conflict.status == 409 and "error" in conflict.json()


def test_a_payment_is_read_back_by_its_idempotency_key(simulator):
    key = f"day-before-ach:7:{uuid.uuid4().hex}"
    assert call(simulator, "GET", f"/v1/ach/next-day/{key}").status == 404
    created = pay(simulator, key=key).json()
    found = call(simulator, "GET", f"/v1/ach/next-day/{key}")
    assert (found.status, found.json()) == (200, created)
    assert call(simulator, "GET", f"/v1/ach/next-day/{key}", sign=False).status == 401
    assert call(simulator, "POST", f"/v1/ach/next-day/{key}", {}).status == 405


def test_a_wrong_echo_names_another_payment(simulator):
    simulator.faults.update({"payments.contract_break": "wrong_echo", "payments.contract_break_rate": 1})
    key = f"day-before-ach:7:{uuid.uuid4().hex}"
    answer = pay(simulator, key=key)
    body = answer.json()
    assert answer.status == 201 and body["float_id"] != ORDER["float_id"] and body["idempotency_key"] != key
    assert len(payment_rows(simulator_dsn(simulator), key)) == 1  # the payment itself was stored


def simulator_dsn(sim):
    return sim._dsn


def test_a_trickle_answers_one_byte_at_a_time(simulator):
    simulator.faults.update({"users.trickle_byte_s": 0.05})
    started = time.monotonic()
    response = call(simulator, "GET", "/v1/users/999/debit-cards")
    body = json.dumps({"user_id": 999, "cards": []}).encode()
    assert response.json() == {"user_id": 999, "cards": []}
    assert time.monotonic() - started >= 0.05 * len(body) * 0.9


@pytest.mark.parametrize(
    "order",
    [
        {k: v for k, v in ORDER.items() if k != "user_id"},
        {**ORDER, "amount_cents": 0},
        {**ORDER, "amount_cents": -5},
        {**ORDER, "amount_cents": 12.5},
        {**ORDER, "amount_cents": "5000"},
        {**ORDER, "float_id": True},
        {**ORDER, "effective_date": "2026-02-30"},
        {**ORDER, "effective_date": "20261127"},
        {**ORDER, "currency": "USD"},
        [ORDER],
    ],
)
def test_invalid_orders_are_unprocessable(simulator, order):
    response = pay(simulator, order)
    assert response.status == 422 and response.json()["error"]


def test_idempotency_key_is_required(simulator):
    response = call(simulator, "POST", "/v1/ach/next-day", ORDER)
    assert response.status == 400 and "Idempotency-Key" in response.json()["error"]


def test_session_tokens_and_query_strings_are_signed_too(simulator):
    with_token = Credentials("testing", "testing", "session-token")
    assert pay(simulator, credentials=with_token).status == 201
    assert call(simulator, "GET", "/v1/users/70/debit-cards?b=2&a=1%20x").status == 200


def test_unsigned_requests_are_refused(simulator):
    assert call(simulator, "GET", "/v1/users/70/debit-cards", sign=False).status == 401
    response = pay(simulator, sign=False)
    assert (response.status, response.json()) == (401, {"error": "missing SigV4 Authorization"})


def test_badly_signed_requests_are_forbidden(simulator):
    assert pay(simulator, credentials=Credentials("testing", "wrong")).status == 403
    assert pay(simulator, credentials=Credentials("someone", "testing")).status == 403

    url = simulator.url + "/v1/ach/next-day"
    body = json.dumps(ORDER).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": "tampered"}
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(CREDENTIALS, "execute-api", "us-east-1").add_auth(request)
    tampered = body.replace(b"5000", b"9000")
    response = HTTP.request("POST", url, body=tampered, headers=dict(request.headers.items()))
    assert response.status == 403

    request = AWSRequest(method="GET", url=simulator.url + "/v1/users/70/debit-cards")
    SigV4Auth(CREDENTIALS, "s3", "us-east-1").add_auth(request)
    response = HTTP.request("GET", request.url, headers=dict(request.headers.items()))
    assert response.status == 403


def test_concurrent_identical_submissions_pay_once(simulator, services_dsn):
    key = f"day-before-ach:8:{uuid.uuid4().hex}"
    order = {**ORDER, "float_id": 8}
    start = threading.Barrier(20)
    responses = [None] * 20

    def submit(i):
        start.wait()
        responses[i] = pay(simulator, order, key=key)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in responses) == [200] * 19 + [201]
    assert len({r.json()["payment_id"] for r in responses}) == 1
    assert len(payment_rows(services_dsn, key)) == 1


def test_each_post_is_logged_with_its_status(simulator, services_dsn):
    key = f"logged:{uuid.uuid4().hex}"
    pay(simulator, key=key)
    pay(simulator, key=key)
    pay(simulator, {**ORDER, "user_id": 71}, key=key)
    with psycopg.connect(services_dsn) as conn:
        rows = conn.execute(
            "SELECT status_code FROM payment_requests WHERE idempotency_key = %s ORDER BY id", (key,)
        ).fetchall()
    assert [status for (status,) in rows] == [201, 200, 409]


def test_error_fault_gives_503_and_clear_restores(simulator):
    assert admin(simulator, "PUT", {"payments.error_rate": 1, "users.error_rate": 1}).status == 200
    assert pay(simulator).status == 503
    assert call(simulator, "GET", "/v1/users/70/debit-cards").status == 503
    assert admin(simulator, "DELETE").json()["payments.error_rate"] == 0
    assert pay(simulator).status == 201


def test_throttle_fault_gives_429_with_retry_after(simulator, services_dsn):
    admin(simulator, "PUT", {"payments.throttle_rate": 1.0, "payments.retry_after_s": 3})
    key = f"throttled:{uuid.uuid4().hex}"
    response = pay(simulator, key=key)
    assert (response.status, response.headers["Retry-After"]) == (429, "3")
    assert payment_rows(services_dsn, key) == []


def test_latency_is_added(simulator):
    admin(simulator, "PUT", {"payments.latency_ms": 300, "users.latency_ms": 200})
    started = time.monotonic()
    assert pay(simulator).status == 201
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert call(simulator, "GET", "/v1/users/70/debit-cards").status == 200
    assert time.monotonic() - started >= 0.2


def test_timeout_fault_stores_the_payment_then_hangs(simulator, services_dsn):
    admin(simulator, "PUT", {"payments.timeout_rate": 1, "payments.timeout_hang_s": 1})
    key = f"timeout:{uuid.uuid4().hex}"
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        pay(simulator, key=key, timeout=0.3)
    assert len(wait_for(lambda: payment_rows(services_dsn, key), 2, "the stored payment")) == 1

    # A patient client sees the connection closed with no response at all.
    with pytest.raises(urllib3.exceptions.ProtocolError):
        pay(simulator, key=key, timeout=3)

    admin(simulator, "DELETE")
    replayed = pay(simulator, key=key)
    assert replayed.status == 200
    assert [(replayed.json()["payment_id"],)] == payment_rows(services_dsn, key)


def test_users_timeout_fault_hangs(simulator):
    admin(simulator, "PUT", {"users.timeout_rate": 1, "users.timeout_hang_s": 1})
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        call(simulator, "GET", "/v1/users/70/debit-cards", timeout=0.3)


def test_seed_makes_faults_repeatable(simulator):
    def statuses():
        admin(simulator, "PUT", {"payments.seed": 42, "payments.error_rate": 0.5})
        return [pay(simulator).status for _ in range(12)]

    first = statuses()
    assert set(first) == {201, 503}
    assert statuses() == first


def test_fault_settings_merge_and_validate(simulator):
    merged = admin(simulator, "PUT", {"payments.latency_ms": 5}).json()
    merged = admin(simulator, "PUT", {"users.error_rate": 0.25}).json()
    assert (merged["payments.latency_ms"], merged["users.error_rate"]) == (5, 0.25)
    assert admin(simulator, "GET").json() == merged

    for bad in ({"payments.error_rate": 2}, {"payments.nope": 1}, {"users.latency_ms": -1}):
        response = admin(simulator, "PUT", bad)
        assert response.status == 400 and next(iter(bad)) in response.json()["error"]
    assert admin(simulator, "GET").json() == merged


def test_parse_assignments_checks_each_item():
    assert parse_assignments(["payments.error_rate=0.2", "payments.latency_ms=50", "payments.seed=none"]) == {
        "payments.error_rate": 0.2,
        "payments.latency_ms": 50,
        "payments.seed": None,
    }
    for item in ("payments.error_rate", "payments.error_rate=abc", "payments.latency_ms=1.5", "x.y=1"):
        with pytest.raises(ValueError, match=item.split("=")[0]):
            parse_assignments([item])
    faults = Faults()
    with pytest.raises(ValueError, match="payments.throttle_rate"):
        faults.update({"payments.latency_ms": 10, "payments.throttle_rate": True})
    assert faults.snapshot()["payments.latency_ms"] == 0


def test_unknown_routes_are_404(simulator):
    assert call(simulator, "GET", "/v1/nothing").status == 404


def test_a_request_is_stamped_when_it_reached_the_socket_not_when_it_was_read():
    """The partner's receive time: the kernel's packet stamp, however late the simulator gets a CPU."""
    import datetime as dt
    import socket
    import time

    from floatctl_sandbox.simulator import _SO_TIMESTAMP, _arrival_time

    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        conn, _ = server.accept()
        with client, conn:
            conn.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMP, 1)
            sent = dt.datetime.now(dt.UTC)
            client.sendall(b"GET / HTTP/1.1\r\n\r\n")
            time.sleep(0.3)  # the simulator reads late (busy elsewhere): a delay on purpose, not an ordering
            arrived = _arrival_time(conn)
            assert arrived is not None and abs((arrived - sent).total_seconds()) < 0.05
            assert conn.recv(100).startswith(b"GET /")  # peeked, not consumed

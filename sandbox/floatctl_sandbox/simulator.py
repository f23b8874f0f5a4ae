"""An HTTP simulator of the Payments and User Services: SigV4-checked, Postgres-backed, fault-injectable."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from floatctl_sandbox.faults import Faults
from floatctl_sandbox.simulator_protocol import (
    _CARDS_PATH,
    _INSERT_PAYMENT,
    _LOG_REQUEST,
    _PAYMENT_BY_KEY_PATH,
    _SELECT_CARDS,
    _SELECT_PAYMENT,
    BIGINT_MAX,
    MAX_BODY_BYTES,
    PAYMENT_FIELDS,
    Rejected,
    Reply,
    Request,
    apply_schema,
    parse_payment,
    payment_json,
    verify_sigv4,
)

__all__ = ["Simulator", "apply_schema", "parse_payment", "payment_json", "verify_sigv4"]

logger = logging.getLogger(__name__)


class Simulator:
    """The Payments and User Service simulator, served from a background thread."""

    def __init__(
        self,
        dsn: str,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: tuple[str, str] = ("testing", "testing"),
        region: str = "us-east-1",
        *,
        max_clock_skew_s: float = 300,
        pool_size: int = 10,
    ) -> None:
        self.faults = Faults()
        self._dsn, self._address, self._pool_size = dsn, (host, port), pool_size
        self._access_key, self._secret_key = credentials
        self._region, self._max_skew_s = region, max_clock_skew_s
        self._stopping = threading.Event()
        self._pool = self._server = self._thread = None

    @property
    def url(self) -> str:
        """The base URL both services answer on, e.g. http://127.0.0.1:8123."""
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Simulator:
        """Open the database pool and serve HTTP in a daemon thread."""
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self._stopping.clear()
        self._pool = ConnectionPool(
            self._dsn, min_size=1, max_size=self._pool_size, kwargs={"row_factory": dict_row}, open=False
        )
        self._pool.open(wait=True, timeout=15)
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="simulator", daemon=True)
        self._thread.start()
        logger.info("simulator serving on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, wake any injected sleeps and close the pool."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
        if self._pool is not None:
            self._pool.close()
        self._server = self._thread = self._pool = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handle(self, request: Request) -> Reply | None:
        """Answer one request; None means drop the connection without a response."""
        path, method = request.path, request.method
        if path == "/_sim/health" and method == "GET":
            return Reply(200, {"ok": True})
        if path == "/_sim/faults":
            return self._admin_faults(request)
        if path == "/v1/ach/next-day":
            if method != "POST":
                return Reply(405, {"error": "use POST"})
            return self._submit_payment(request)
        if match := _PAYMENT_BY_KEY_PATH.fullmatch(path):
            if method != "GET":
                return Reply(405, {"error": "use GET"})
            return self._payment_by_key(request, unquote(match.group(1)))
        if match := _CARDS_PATH.fullmatch(path):
            if method != "GET":
                return Reply(405, {"error": "use GET"})
            return self._list_cards(request, match.group(1))
        return Reply(404, {"error": f"no route for {method} {path}"})

    def _admin_faults(self, request: Request) -> Reply:
        try:
            if request.method == "GET":
                return Reply(200, self.faults.snapshot())
            if request.method == "DELETE":
                return Reply(200, self.faults.clear())
            if request.method == "PUT":
                return Reply(200, self.faults.update(json.loads(request.body or b"{}")))
        except json.JSONDecodeError:
            return Reply(400, {"error": "faults must be a JSON object of KEY: value"})
        except ValueError as exc:
            return Reply(400, {"error": str(exc)})
        return Reply(405, {"error": "use GET, PUT or DELETE"})

    def _list_cards(self, request: Request, user_text: str) -> Reply | None:
        faults = self.faults.snapshot()
        self._pause(faults["users.latency_ms"] / 1000)
        try:
            self._authenticate(request)
            if self.faults.roll("users", "error_rate"):
                return Reply(503, {"error": "injected fault: users service unavailable"})
            if not user_text.isdigit() or int(user_text) > BIGINT_MAX:
                raise Rejected(400, f"user id must be an integer, got {user_text!r}")
        except Rejected as exc:
            return exc.reply
        with self._pool.connection() as conn:
            cards = conn.execute(_SELECT_CARDS, (int(user_text),)).fetchall()
        if self.faults.roll("users", "timeout_rate"):
            self._pause(faults["users.timeout_hang_s"])
            return None
        if self.faults.roll("users", "contract_break_rate"):
            return _broken_cards(faults["users.contract_break"], int(user_text), cards)
        return Reply(200, {"user_id": int(user_text), "cards": cards})

    def _submit_payment(self, request: Request) -> Reply | None:
        faults = self.faults.snapshot()
        key = request.headers.get("Idempotency-Key", "").strip() or None
        self._pause(faults["payments.latency_ms"] / 1000)
        reply = self._payment_gate(request, faults)
        dropped = False
        if reply is None:
            reply = self._process_payment(request, key)
            dropped = self.faults.roll("payments", "timeout_rate")
            if reply.status in (200, 201) and self.faults.roll("payments", "contract_break_rate"):
                reply = _broken_payment(faults["payments.contract_break"], reply)
        with self._pool.connection() as conn:
            conn.execute(_LOG_REQUEST, (key, request.received_at, None if dropped else reply.status))
        if dropped:
            self._pause(faults["payments.timeout_hang_s"])
            return None
        return reply

    def _payment_gate(self, request: Request, faults: dict[str, Any]) -> Reply | None:
        """Refuse before processing: bad signature, injected 503 or injected 429."""
        try:
            self._authenticate(request)
        except Rejected as exc:
            return exc.reply
        if self.faults.roll("payments", "error_rate"):
            return Reply(503, {"error": "injected fault: payments service unavailable"})
        if self.faults.roll("payments", "throttle_rate"):
            retry_after = str(faults["payments.retry_after_s"])
            return Reply(429, {"error": "injected fault: throttled"}, (("Retry-After", retry_after),))
        return None

    def _payment_by_key(self, request: Request, key: str) -> Reply:
        """GET /v1/ach/next-day/{idempotency_key}: the payment stored under the key, or 404."""
        try:
            self._authenticate(request)
        except Rejected as exc:
            return exc.reply
        if self.faults.roll("payments", "error_rate"):
            return Reply(503, {"error": "injected fault: payments service unavailable"})
        with self._pool.connection() as conn:
            row = conn.execute(_SELECT_PAYMENT, (key,)).fetchone()
        if row is None:
            return Reply(404, {"error": f"no payment under idempotency key {key!r}"})
        return Reply(200, payment_json(row))

    def _process_payment(self, request: Request, key: str | None) -> Reply:
        """Validate the order and store it exactly once per idempotency key."""
        try:
            if key is None:
                raise Rejected(400, "missing Idempotency-Key header")
            order = parse_payment(request.body)
            row, created = self._store_payment(key, order)
            if any(row[field] != order[field] for field in PAYMENT_FIELDS):
                raise Rejected(409, "Idempotency-Key was already used with other parameters")
        except Rejected as exc:
            return exc.reply
        return Reply(201 if created else 200, payment_json(row))

    def _store_payment(self, key: str, order: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Insert the payment unless its key exists, in one transaction; return the stored row."""
        params = {**order, "payment_id": f"pay_{uuid.uuid4().hex}", "idempotency_key": key}
        with self._pool.connection() as conn:
            row = conn.execute(_INSERT_PAYMENT, params).fetchone()
            if row is not None:
                return row, True
            return conn.execute(_SELECT_PAYMENT, (key,)).fetchone(), False

    def _authenticate(self, request: Request) -> None:
        verify_sigv4(request, self._access_key, self._secret_key, self._region, self._max_skew_s)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _broken_payment(mode: str, reply: Reply) -> Reply:
    """A success status whose body breaks the contract (the payment itself was stored)."""
    if mode == "bad_json":
        return Reply(200, b'{"payment_id": "pay_')
    if mode == "wrong_echo":  # a well-formed answer about some other payment
        body = dict(reply.body)
        other = {"float_id": body["float_id"] + 1, "amount_cents": body["amount_cents"] + 1}
        return Reply(reply.status, {**body, **other, "idempotency_key": body["idempotency_key"] + "-other"})
    if mode == "missing_payment_id":
        return Reply(reply.status, {k: v for k, v in dict(reply.body).items() if k != "payment_id"})
    return Reply(200, {"error": "internal error while processing"})


def _broken_cards(mode: str, user_id: int, cards: list[Any]) -> Reply:
    """A 200 from the users service that breaks the contract."""
    if mode == "bad_json":
        return Reply(200, b'{"cards": [')
    if mode == "missing_cards":
        return Reply(200, {"user_id": user_id})
    broken = [{k: v for k, v in dict(c).items() if k != "status"} for c in cards] or [{"card_id": "x"}]
    return Reply(200, {"user_id": user_id, "cards": broken})


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its simulator."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.warning("connection from %s failed", client_address, exc_info=True)


_SO_TIMESTAMP = 29  # Linux <asm-generic/socket.h>; also the control message's type (SCM_TIMESTAMP)
_TIMEVAL = struct.Struct("@ll")


def _arrival_time(sock: socket.socket) -> dt.datetime | None:
    """When the next request's first packet reached the socket (the kernel's stamp), waiting for it
    without consuming it; None off Linux, or when the peer closed."""
    if sys.platform != "linux":
        return None
    try:
        data, ancillary, _flags, _addr = sock.recvmsg(1, socket.CMSG_SPACE(_TIMEVAL.size), socket.MSG_PEEK)
    except OSError:
        return None
    for level, kind, payload in ancillary:
        if data and level == socket.SOL_SOCKET and kind == _SO_TIMESTAMP and len(payload) >= _TIMEVAL.size:
            seconds, micros = _TIMEVAL.unpack(payload[: _TIMEVAL.size])
            return dt.datetime.fromtimestamp(seconds + micros / 1e6, dt.UTC)
    return None


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 plumbing: read the request, ask the simulator, write JSON, log one line."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two send()s: with Nagle on, a keep-alive client's delayed ACK holds
    # the body back ~40 ms, and every call would be that much slower than its latency fault says.
    disable_nagle_algorithm = True
    server_version = "floatctl-simulator"
    sys_version = ""
    timeout = 120

    def setup(self) -> None:
        super().setup()
        self._arrived: dt.datetime | None = None
        if sys.platform == "linux":
            # The kernel stamps each packet as it arrives: the partner's receive time, not the moment
            # this process gets a CPU to read it (tens of ms later on a busy 2-core machine).
            self.connection.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMP, 1)

    def handle_one_request(self) -> None:
        self._arrived = _arrival_time(self.connection)
        super().handle_one_request()

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_GET

    def _serve(self) -> None:
        started = time.monotonic()
        received_at = self._arrived or dt.datetime.now(dt.UTC)
        request = self._read(received_at)
        reply = request
        if isinstance(request, Request):
            try:
                reply = self.server.simulator.handle(request)
            except Exception:
                logger.exception("simulator failed on %s %s", self.command, self.path)
                reply = Reply(500, {"error": "internal simulator error"})
        status = "dropped" if reply is None else reply.status
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("%s %s -> %s in %.1f ms", self.command, self.path, status, elapsed_ms)
        if reply is None:
            self.close_connection = True
        else:
            self._write(reply)

    def _read(self, received_at: dt.datetime) -> Request | Reply:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES or "Transfer-Encoding" in self.headers:
            self.close_connection = True
            return Reply(400, {"error": f"need a Content-Length of at most {MAX_BODY_BYTES} bytes"})
        body = self.rfile.read(length) if length else b""
        return Request(self.command, self.path, self.headers, body, received_at)

    def _write(self, reply: Reply) -> None:
        data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body, default=str).encode()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            trickle = self._trickle_s()
            if trickle <= 0:
                self.wfile.write(data)
                return
            # A slow-drip partner: one byte at a time, each inside any per-read timeout.
            self.wfile.flush()
            simulator = self.server.simulator
            for i in range(len(data)):
                if simulator._stopping.wait(trickle):
                    break
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _trickle_s(self) -> float:
        faults = self.server.simulator.faults.snapshot()
        service = "users" if "/v1/users/" in self.path else "payments" if "/v1/ach/" in self.path else None
        return float(faults[f"{service}.trickle_byte_s"]) if service else 0.0

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: _serve logs one line per request instead."""

    def log_message(self, fmt: str, *args: Any) -> None:
        logger.warning("%s: %s", self.address_string(), fmt % args)

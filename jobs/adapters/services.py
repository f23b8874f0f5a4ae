"""Clients of the User Service and the Payments Service: one pooled HTTP client, SigV4 (execute-api).

Every call has a timeout. Retries are bounded with exponential backoff and jitter, honour
Retry-After, and for Payments reuse the same idempotency key; each Payments attempt first takes a
token from the shared limiter, so retries count against the partner's rate too.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from jobs.domain.model import Card
from jobs.errors import ConfigError, ServiceError

log = logging.getLogger("jobs.adapters.services")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class PaymentResult:
    """What Payments said about one submission."""

    accepted: bool
    payment_id: str | None
    status: int | None
    reason: str
    replayed: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in all, and the backoff between them."""

    attempts: int = 4
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 5.0
    jitter_s: float = 0.2
    retry_after_max_s: float = 10.0
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 10.0


class _Retryable(Exception):
    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


_sending = threading.local()  # this thread's `before_send`, run by the connection at its first send()


@functools.cache
def _pool_classes() -> dict[str, Any]:
    """urllib3 pools whose connections run the pending `before_send` just before the request's first
    bytes go out: after the pool checkout, the TCP connect and urllib3's own request building, so
    the limiter's token is taken as close to the wire as Python gets."""
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection

    class _Hooked:
        def send(self, data: Any) -> None:
            hook = getattr(_sending, "before_send", None)
            if hook is None:
                super().send(data)  # type: ignore[misc]
                return
            if self.sock is None:  # http.client connects lazily, here: connect before the token
                self.connect()  # type: ignore[attr-defined]
            _sending.before_send = None
            after = hook()  # the token; it may return what to call once the bytes are out
            super().send(data)  # type: ignore[misc]
            if callable(after):
                after()

    class HookedHTTPConnection(_Hooked, HTTPConnection):
        pass

    class HookedHTTPSConnection(_Hooked, HTTPSConnection):
        pass

    class HookedHTTPPool(urllib3.HTTPConnectionPool):
        ConnectionCls = HookedHTTPConnection

    class HookedHTTPSPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = HookedHTTPSConnection

    return {"http": HookedHTTPPool, "https": HookedHTTPSPool}


class SignedHttp:
    """A pooled urllib3 client that signs each request with SigV4 for API Gateway."""

    def __init__(
        self, credentials_provider: Callable[[], Any], region: str, policy: RetryPolicy, pool_size: int = 16
    ):
        import urllib3

        self.policy = policy
        self._credentials_provider = credentials_provider
        self._region = region
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=pool_size,
            block=False,
            retries=False,
            timeout=urllib3.Timeout(connect=policy.connect_timeout_s, read=policy.read_timeout_s),
        )
        self._pool.pool_classes_by_scheme = _pool_classes()
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        before_send: Callable[[], Any] | None = None,
    ) -> Any:
        """One attempt: sign, send; `before_send` (the rate limiter) runs just before the first byte goes.

        A connection that fails before sending never runs it: no token is spent on a call the partner
        never saw. An exception from it (the limiter stopped) closes the unused connection.
        """
        import urllib3
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(self._credentials_provider(), "execute-api", self._region).add_auth(request)
        _sending.before_send = before_send
        try:
            return self._pool.request(method, url, body=body, headers=dict(request.headers.items()))
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of TimeoutError, but refused
            raise _Retryable(f"connection failed ({type(exc).__name__})") from None
        except urllib3.exceptions.TimeoutError as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from None
        except urllib3.exceptions.HTTPError as exc:
            raise _Retryable(f"connection failed ({type(exc).__name__})") from None
        finally:
            _sending.before_send = None

    def with_retries(
        self, attempt: Callable[[], Any], stop: threading.Event | None, before: Callable[[], None]
    ) -> Any:
        """Run `attempt` until it succeeds, fails for good, or the attempts run out."""
        from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
        from tenacity.wait import wait_exponential_jitter

        policy = self.policy
        backoff = wait_exponential_jitter(
            multiplier=policy.backoff_initial_s, max=policy.backoff_max_s, jitter=policy.jitter_s
        )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                return min(retry_after, policy.retry_after_max_s)
            return backoff(state)

        def stopped(state: RetryCallState) -> bool:
            return (stop is not None and stop.is_set()) or stop_after_attempt(policy.attempts)(state)

        def sleep(seconds: float) -> None:
            if stop is not None:
                stop.wait(seconds)
            else:
                threading.Event().wait(seconds)

        def once() -> Any:
            before()
            return attempt()

        retrying = Retrying(
            stop=stopped, wait=wait, retry=retry_if_exception_type(_Retryable), sleep=sleep, reraise=True
        )
        try:
            return retrying(once)
        except _Retryable as exc:
            raise ServiceError(
                f"{exc} after {retrying.statistics.get('attempt_number', 1)} attempts",
                status=exc.status,
                retryable=True,
            ) from None


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _json(response: Any, what: str) -> dict[str, Any]:
    try:
        data = json.loads(response.data or b"")
    except ValueError:
        raise ServiceError(
            f"{what}: response is not JSON (HTTP {response.status})", status=response.status
        ) from None
    if not isinstance(data, dict):
        raise ServiceError(f"{what}: response is not a JSON object", status=response.status)
    return data


class UsersClient:
    """GET /v1/users/{user_id}/debit-cards."""

    def __init__(self, http: SignedHttp, base_url: str | None) -> None:
        if not base_url:
            raise ConfigError("USERS_API_URL is not set")
        self.http = http
        self.base_url = base_url.rstrip("/")

    def debit_cards(self, user_id: int, stop: threading.Event | None = None) -> list[Card]:
        url = f"{self.base_url}/v1/users/{user_id}/debit-cards"

        def attempt() -> Any:
            response = self.http.request("GET", url)
            if response.status in RETRYABLE_STATUS:
                raise _Retryable(
                    f"users service HTTP {response.status}", response.status, _retry_after(response)
                )
            return response

        response = self.http.with_retries(attempt, stop, before=lambda: None)
        if response.status != 200:
            raise ServiceError(
                f"users service HTTP {response.status} for user {user_id}", status=response.status
            )
        return parse_cards(_json(response, "users service"))


def parse_cards(data: dict[str, Any]) -> list[Card]:
    """Cards from a debit-cards response; a response that breaks the contract raises ServiceError."""
    cards = data.get("cards")
    if not isinstance(cards, list):
        raise ServiceError("users service: response has no 'cards' list")
    parsed = []
    for raw in cards:
        try:
            parsed.append(
                Card(
                    card_id=str(raw["card_id"]),
                    last4=str(raw["last4"])[-4:],
                    is_primary=bool(raw["is_primary"]),
                    status=str(raw["status"]),
                    exp_month=int(raw["exp_month"]),
                    exp_year=int(raw["exp_year"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise ServiceError("users service: a card lacks a required field") from None
    return parsed


class PaymentsClient:
    """POST /v1/ach/next-day with a deterministic Idempotency-Key."""

    def __init__(self, http: SignedHttp, base_url: str | None) -> None:
        if not base_url:
            raise ConfigError("PAYMENTS_API_URL is not set")
        self.http = http
        self.base_url = base_url.rstrip("/")

    def submit(
        self,
        *,
        float_id: int,
        user_id: int,
        amount_cents: int,
        effective_date: date,
        idempotency_key: str,
        before_attempt: Callable[[], Any] = lambda: None,
        stop: threading.Event | None = None,
    ) -> PaymentResult:
        """Submit next-day ACH; `before_attempt` runs just before every attempt is sent (the rate limiter)."""
        order = {
            "float_id": float_id,
            "user_id": user_id,
            "amount_cents": amount_cents,
            "effective_date": effective_date.isoformat(),
        }
        body = json.dumps(order).encode()
        url = f"{self.base_url}/v1/ach/next-day"

        def attempt() -> Any:
            response = self.http.request(
                "POST",
                url,
                body=body,
                headers={"Idempotency-Key": idempotency_key},
                before_send=before_attempt,
            )
            if response.status in RETRYABLE_STATUS:
                raise _Retryable(f"payments HTTP {response.status}", response.status, _retry_after(response))
            return response

        try:
            response = self.http.with_retries(attempt, stop, before=lambda: None)
        except ServiceError as exc:
            return PaymentResult(False, None, exc.status, f"payments unavailable: {exc}")
        if response.status in (200, 201):
            try:
                data = _json(response, "payments")
            except ServiceError as exc:
                return PaymentResult(False, None, response.status, str(exc))
            payment_id = data.get("payment_id")
            if not isinstance(payment_id, str) or not payment_id or data.get("error"):
                return PaymentResult(
                    False, None, response.status, "payments: success status without a payment_id"
                )
            return PaymentResult(
                True, payment_id, response.status, "accepted", replayed=response.status == 200
            )
        detail = ""
        with contextlib.suppress(ServiceError):
            detail = str(_json(response, "payments").get("error", ""))[:200]
        reasons = {409: "idempotency key reused with other parameters", 422: "rejected as invalid"}
        reason = reasons.get(response.status, f"HTTP {response.status}")
        return PaymentResult(
            False, None, response.status, f"payments {reason}{': ' + detail if detail else ''}"
        )

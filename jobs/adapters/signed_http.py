"""One pooled HTTP client for the services: SigV4 (execute-api), bounded retries, a total deadline.

Retries are bounded with exponential backoff and jitter and honour Retry-After; `before_send` (the rate
limiter) runs just before an attempt's first byte; every attempt has a total deadline (deadline.py).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobs.adapters.deadline import Watch, bounds
from jobs.errors import ServiceError

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


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
    #: Each attempt as a whole (the connect; then, from the first byte, the send and the whole answer),
    #: however the answer trickles in; the wait for the token in between is not counted. A hard stop
    #: (the drain deadline) cuts calls in flight at once.
    total_deadline_s: float = 8.0


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
            watch = getattr(_sending, "watch", None)
            if watch is not None:
                watch.connection(self)  # from here the connection is cut at the deadline or a hard stop
            hook = getattr(_sending, "before_send", None)
            if hook is None:
                super().send(data)  # type: ignore[misc]
                return
            if self.sock is None:  # http.client connects lazily, here: connect before the token
                self.connect()  # type: ignore[attr-defined]
            _sending.before_send = None
            if watch is not None:
                watch.hold()  # waiting for the token is not the call's time
            after = hook()  # the token; it may return what to call once the bytes are out
            if watch is not None:
                watch.restart()  # the total deadline runs from the first byte
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
        stop: threading.Event | None = None,
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
        watch = Watch(self.policy.total_deadline_s, stop)
        _sending.before_send = before_send
        _sending.watch = watch
        try:
            return self._pool.request(method, url, body=body, headers=dict(request.headers.items()))
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of TimeoutError, but refused
            raise _Retryable(f"connection failed ({type(exc).__name__})") from None
        except urllib3.exceptions.TimeoutError as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from None
        except urllib3.exceptions.HTTPError as exc:
            if watch.cut is not None:
                raise _Retryable(watch.cut) from None
            raise _Retryable(f"connection failed ({type(exc).__name__})") from None
        finally:
            _sending.before_send = None
            _sending.watch = None
            watch.done()

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

        until = bounds().until  # the thread's exit deadline after a stop (deadline.py)

        def stopped(state: RetryCallState) -> bool:
            over = (stop is not None and stop.is_set()) or time.monotonic() >= until()
            return over or stop_after_attempt(policy.attempts)(state)

        def sleep(seconds: float) -> None:
            seconds = max(0.0, min(seconds, until() - time.monotonic()))
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

"""Every boto3 call (DynamoDB first) under a total deadline, like the HTTP calls (deadline.py).

botocore bounds each connect (5 s) and each read (20 s), and retries up to 5 attempts with backoff, but
nothing bounds the call: an endpoint that answers one byte every few seconds holds it for ever. Each API
call gets a `Watch` (botocore's `before-call` / `after-call` events); the client's connections hand
their socket to it when they send, so the watchdog cuts them at the deadline, at the thread's stop or at
its exit deadline; and a retry is refused once the call is over, or when the backoff botocore may sleep
before it (standard mode: up to 2**(attempt-1) s) would not fit in what is left.

botocore offers no setting for this: the connection classes are swapped on the client's own HTTP
session (`client._endpoint.http_session`, botocore's private attribute; `install` fails loudly if it
moves, and tests/integration/adapters/test_call_deadlines.py proves the cut).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from jobs.adapters.deadline import Watch

#: One API call, its retries included.
CALL_DEADLINE_S = 10.0

_local = threading.local()


def current() -> Watch | None:
    """The watch of the boto3 call this thread is making, if any."""
    return getattr(_local, "watch", None)


def last_cut() -> str | None:
    """Why this thread's last boto3 call was cut, if it was."""
    return getattr(_local, "last_cut", None)


def _before_call(**_: Any) -> None:
    _local.watch = Watch(CALL_DEADLINE_S)
    _local.last_cut = None


class CallCut(ConnectionError):
    """The call was cut: its answer may be incomplete (botocore accepts a short body without a word)."""


def _after_call(**kwargs: Any) -> None:
    watch = current()
    if watch is None:
        return
    watch.done()
    _local.last_cut = watch.cut
    _local.watch = None
    if watch.cut is not None and "exception" not in kwargs:
        raise CallCut(watch.cut)


def _needs_retry(attempts: int = 1, **_: Any) -> bool | None:
    """False (no retry) once the call is over or its next backoff would not fit; None lets botocore decide."""
    watch = current()
    if watch is None:
        return None
    if watch.expired() or watch.left() < 2 ** (attempts - 1):
        return False
    return None


@functools.cache
def _pool_classes() -> dict[str, Any]:
    from botocore.awsrequest import (
        AWSHTTPConnection,
        AWSHTTPConnectionPool,
        AWSHTTPSConnection,
        AWSHTTPSConnectionPool,
    )

    class _Watched:
        def send(self, data: Any) -> Any:
            watch = current()
            if watch is not None:
                if watch.over():
                    raise ConnectionError(watch.cut or "the call is over")
                watch.connection(self)
            return super().send(data)  # type: ignore[misc]

    class WatchedHTTPConnection(_Watched, AWSHTTPConnection):
        pass

    class WatchedHTTPSConnection(_Watched, AWSHTTPSConnection):
        pass

    class WatchedHTTPPool(AWSHTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(AWSHTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    return {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}


def install(client: Any) -> Any:
    """Put `client`'s calls under the total deadline; returns the client."""
    session = client._endpoint.http_session
    schemes = session._pool_classes_by_scheme  # the same dict its PoolManager reads
    schemes.update(_pool_classes())
    if session._manager.pool_classes_by_scheme is not schemes:
        raise RuntimeError("botocore's HTTP session changed shape: the call deadline cannot be installed")
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    events.register(f"before-call.{service}", _before_call, unique_id=f"floatctl-deadline-{service}")
    events.register(f"after-call.{service}", _after_call, unique_id=f"floatctl-deadline-done-{service}")
    events.register(
        f"after-call-error.{service}", _after_call, unique_id=f"floatctl-deadline-error-{service}"
    )
    # First on the node botocore's own retry handler is registered on, so it is asked first.
    events.register_first(
        f"needs-retry.{service}", _needs_retry, unique_id=f"floatctl-deadline-retry-{service}"
    )
    return client

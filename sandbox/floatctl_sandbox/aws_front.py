"""The sandbox's AWS endpoint: moto's WSGI app behind a thin front that can throttle DynamoDB.

A `dynamodb.throttle_rate` fault answers DynamoDB calls with ProvisionedThroughputExceededException
(HTTP 400), as DynamoDB does under load, so the batch's retry and failure paths can be exercised.
A `dynamodb.lost_reply_rate` fault lets moto apply a write (PutItem, UpdateItem, DeleteItem) and then
answers 500 InternalServerError, as if the reply were lost on the way: botocore retries it, and the
retry meets the state its own first attempt wrote. A `dynamodb.trickle_byte_s` fault answers every
DynamoDB call (applied by moto first) one byte every N seconds, each inside botocore's read timeout.
A `sqs.send_error_rate` fault refuses SendMessage (400 InvalidParameterValue), so a scenario load can
fail after it began writing.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

WRITES = ("DynamoDB_20120810.PutItem", "DynamoDB_20120810.UpdateItem", "DynamoDB_20120810.DeleteItem")


def _error(
    start_response: Any,
    status: str,
    kind: str,
    message: str,
    prefix: str = "com.amazonaws.dynamodb.v20120810",
) -> list[bytes]:
    body = json.dumps({"__type": f"{prefix}#{kind}", "message": message}).encode()
    start_response(
        status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
    )
    return [body]


class ThrottlingFront:
    """WSGI middleware: pass through to moto unless the faults say to throttle this DynamoDB call
    or to lose the reply of a write it applied."""

    def __init__(self, app: Any, faults: Any) -> None:
        self.app = app
        self.faults = faults
        self._lost: set[bytes] = set()  # requests whose reply was lost, until they are retried
        self._lost_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_") and self._trickle_s() > 0:
            answer: list[Any] = []
            body = b"".join(self._answer(environ, lambda *reply: answer.append(reply[:2])))
            start_response(*answer[0])
            return self._trickle(body)
        return self._answer(environ, start_response)

    def _trickle_s(self) -> float:
        return self.faults.value("dynamodb.trickle_byte_s")

    def _trickle(self, body: bytes) -> Iterator[bytes]:
        """The answer one byte at a time; the rest at once when the fault is cleared (waitress sends each
        chunk as it comes, and stops when the client hangs up)."""
        for i in range(len(body)):
            waited = 0.0
            while waited < (pause := self._trickle_s()):
                time.sleep(min(0.1, pause - waited))
                waited += 0.1
            if pause <= 0:
                yield body[i:]
                return
            yield body[i : i + 1]

    def _answer(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_") and self.faults.roll("dynamodb", "throttle_rate"):
            return _error(
                start_response,
                "400 Bad Request",
                "ProvisionedThroughputExceededException",
                "injected fault: throughput exceeded",
            )
        if target == "AmazonSQS.SendMessage" and self.faults.roll("sqs", "send_error_rate"):
            return _error(
                start_response,
                "400 Bad Request",
                "InvalidParameterValue",
                "injected fault: SQS refused the message",
                prefix="com.amazonaws.sqs",
            )
        if target in WRITES:
            return self._maybe_lose_reply(environ, start_response)
        return self.app(environ, start_response)

    def _maybe_lose_reply(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Apply the write; if it succeeded, maybe answer 500 instead of its reply (the reply was lost).
        A retry of a lost request (the same body) is answered: a reply is lost once, not on every try."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(request)
        digest = hashlib.sha256(request).digest()
        answer: list[Any] = []
        body = b"".join(self.app(environ, lambda status, headers, *exc: answer.append((status, headers))))
        status, headers = answer[0]
        with self._lost_lock:
            retried = digest in self._lost
            self._lost.discard(digest)
        if status.startswith("2") and not retried and self.faults.roll("dynamodb", "lost_reply_rate"):
            with self._lost_lock:
                self._lost.add(digest)
            return _error(
                start_response,
                "500 Internal Server Error",
                "InternalServerError",
                "injected fault: reply lost",
            )
        start_response(status, headers)
        return [body]


class AwsServer:
    """moto on a loopback port, served by waitress in threads, behind ThrottlingFront.

    Not werkzeug's dev server (moto's own): it closes every connection, so each DynamoDB call paid a
    TCP connect, a new server thread and a new client connection: about half of the CPU a call cost
    both processes. waitress keeps connections alive.
    """

    def __init__(self, faults: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from waitress.server import create_server

        from floatctl_sandbox.aws_unsupported import UnsupportedFront
        from floatctl_sandbox.moto_query import patch_moto

        patch_moto()
        app = ThrottlingFront(UnsupportedFront(DomainDispatcherApplication(create_backend_app)), faults)
        self._server = create_server(app, host=host, port=port, threads=16, channel_timeout=300)
        self._thread = threading.Thread(target=self._server.run, name="moto", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def start(self) -> AwsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.close()

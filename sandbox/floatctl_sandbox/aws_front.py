"""The sandbox's AWS endpoint: moto's WSGI app behind a thin front that can throttle DynamoDB.

A `dynamodb.throttle_rate` fault answers DynamoDB calls with ProvisionedThroughputExceededException
(HTTP 400), as DynamoDB does under load, so the batch's retry and failure paths can be exercised.
"""

from __future__ import annotations

import json
import threading
from typing import Any


class ThrottlingFront:
    """WSGI middleware: pass through to moto unless the faults say to throttle this DynamoDB call."""

    def __init__(self, app: Any, faults: Any) -> None:
        self.app = app
        self.faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_") and self.faults.roll("dynamodb", "throttle_rate"):
            body = json.dumps(
                {
                    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "message": "injected fault: throughput exceeded",
                }
            ).encode()
            start_response(
                "400 Bad Request",
                [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.app(environ, start_response)


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

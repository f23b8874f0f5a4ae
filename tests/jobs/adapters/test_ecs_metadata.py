"""The task ARN from a task metadata endpoint served on loopback, as Fargate serves it."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from jobs.adapters import ecs_metadata

ARN = "arn:aws:ecs:us-east-1:123456789012:task/prod-floats/0f2c"


class _Metadata(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = json.dumps({"TaskARN": ARN}).encode() if self.path.endswith("/task") else b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_task_arn_from_the_metadata_endpoint(monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _Metadata)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("ECS_CONTAINER_METADATA_URI_V4", f"http://127.0.0.1:{server.server_port}/v4/abc")
        assert ecs_metadata.task_arn() == ARN
    finally:
        server.shutdown()
    monkeypatch.setenv("ECS_CONTAINER_METADATA_URI_V4", "http://127.0.0.1:9/v4/x")
    assert ecs_metadata.task_arn() is None
    monkeypatch.delenv("ECS_CONTAINER_METADATA_URI_V4")
    assert ecs_metadata.task_arn() is None

"""A real batch traced to Datadog's own test agent, metrics to a UDP listener, JSON logs on stdout.

Also proves that planted secrets (a DB password, the SigV4 Authorization header, a card number)
reach no log line, span or metric.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests import scenarios
from tests.processes import FLOATCTL
from tests.scenarios import RUN_DATE
from tests.waiting import wait_for

AGENT = Path(__file__).resolve().parents[2] / ".venv-tools" / "bin" / "ddapm-test-agent"
PLANTED_PASSWORD = "Planted-Db-Passw0rd-93f1"
PLANTED_CARD = "4111111111111111"


def _free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def test_agent():
    assert AGENT.exists(), f"{AGENT} is missing: run `make test` (it builds .venv-tools)"
    port = _free_port()
    # Its OTLP listeners get free ports too, so two agents on one machine never collide.
    proc = subprocess.Popen(
        [
            str(AGENT),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--otlp-http-port",
            str(_free_port()),
            "--otlp-grpc-port",
            str(_free_port()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            pytest.fail("ddapm-test-agent exited at start")
        try:
            return bool(urllib.request.urlopen(f"{url}/test/traces", timeout=1).read())
        except OSError:
            return False

    try:
        wait_for(answers, 30, "ddapm-test-agent to answer", interval_s=0.2)
    except AssertionError:
        proc.kill()
        raise
    yield url
    proc.terminate()
    proc.wait(10)


class UdpListener:
    """Collects DogStatsD datagrams on a loopback port."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.lines: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.lines.extend(line for line in data.decode().splitlines() if line)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def _traces_with(agent: str, root: str) -> list | None:
    """The test agent's traces once one of them holds a span named `root`, else None."""
    traces = json.loads(urllib.request.urlopen(f"{agent}/test/traces").read())
    return traces if any(span["name"] == root for trace in traces for span in trace) else None


def _metrics(lines):
    """name -> list of (value, type, tags)."""
    parsed: dict[str, list] = {}
    for line in lines:
        head, kind, *rest = line.split("|")
        name, value = head.rsplit(":", 1)
        tags = next((p[1:].split(",") for p in rest if p.startswith("#")), [])
        parsed.setdefault(name, []).append((float(value), kind, tags))
    return parsed


@pytest.fixture
def planted_secret(app_context):
    """The main RDS secret with a planted password (PostgreSQL's trust auth ignores it); restored after."""
    sm = app_context.aws().client("secretsmanager")
    name = app_context.settings.main_secret
    original = sm.get_secret_value(SecretId=name)["SecretString"]
    sm.put_secret_value(
        SecretId=name, SecretString=json.dumps({**json.loads(original), "password": PLANTED_PASSWORD})
    )
    yield
    sm.put_secret_value(SecretId=name, SecretString=original)


def test_a_traced_run_sends_the_span_tree_metrics_and_correlated_logs(
    sandbox, load, cli, test_agent, planted_secret
):
    document = scenarios.mixed(18, seed=41)
    document["cards"].append(
        {
            "user_id": document["floats"][1]["user_id"],
            "card_id": PLANTED_CARD,
            "last4": PLANTED_CARD[-4:],
            "is_primary": True,
            "status": "ACTIVE",
            "exp_month": 1,
            "exp_year": 2031,
        }
    )
    load(document)
    assert cli("sandbox", "faults", "set", "payments.error_rate=0.4", "payments.seed=3").exit_code == 0
    urllib.request.urlopen(urllib.request.Request(f"{test_agent}/test/session/clear", method="GET")).read()
    udp = UdpListener()
    env = {
        **os.environ,
        "DD_TRACE_ENABLED": "true",
        "DD_TRACE_AGENT_URL": test_agent,
        "DD_AGENT_HOST": "127.0.0.1",
        "DD_DOGSTATSD_PORT": str(udp.port),
        "DD_SERVICE": "collections-jobs",
        "DD_ENV": "sandbox",
        "DD_VERSION": "test-1",
        "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
        "DD_REMOTE_CONFIGURATION_ENABLED": "false",
        "FLOATCTL_HTTP_ATTEMPTS": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "floatctl",
            "-vv",
            "run",
            "day-before-ach",
            "--date",
            RUN_DATE.isoformat(),
            "--payment-submit-rate",
            "50",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    # The process has exited, so every datagram and trace is sent; wait until the listener and the agent
    # hold the last of them: the gauge the run sends as it ends, and the run's root span (it closes last).
    wait_for(lambda: "run.duration" in _metrics(list(udp.lines)), 10, "the run's last metric, run.duration")
    udp.close()
    assert result.returncode == 1, result.stderr  # some payments failed on purpose
    traces = wait_for(lambda: _traces_with(test_agent, "day_before_ach.run"), 10, "the run's root span")
    spans = [span for trace in traces for span in trace]

    # -- the span tree ---------------------------------------------------------------------
    roots = [s for s in spans if s["name"] == "day_before_ach.run"]
    assert len(roots) == 1
    root = roots[0]
    assert root["meta"]["due_window"] == "2026-11-21..2026-11-23" and root["meta"]["status"] == "FAILED"
    assert root["error"] == 1 and root["meta"]["run_id"]
    run_trace = [s for s in spans if s["trace_id"] == root["trace_id"]]
    assert len(run_trace) == len(spans), "every span belongs to the run's trace"
    floats = [s for s in run_trace if s["name"] == "day_before_ach.float"]
    assert len(floats) == 18 and all(s["parent_id"] == root["span_id"] for s in floats)
    float_ids = {s["span_id"] for s in floats}
    verdicts = Counter(s["meta"]["verdict"] for s in floats)
    assert verdicts["FAILED"] >= 1 and verdicts["SUBMITTED"] >= 1 and verdicts["SKIP_VALID_CARD"] == 7
    assert all(s["error"] == 1 for s in floats if s["meta"]["verdict"] == "FAILED")
    assert all(s["error"] == 0 for s in floats if s["meta"]["verdict"] != "FAILED")
    by_parent = Counter((s["name"], s["parent_id"] in float_ids) for s in run_trace)
    refetches = [s for s in run_trace if s["name"] == "postgres.query" and "WHERE id =" in s["resource"]]
    # On main: the re-fetch guard, one under each float span; and for each send, the submitter's
    # re-read of main once the rate-limiter token is held (in the run's trace, on its thread).
    guards = Counter(s["parent_id"] for s in refetches if s["parent_id"] in float_ids)
    assert set(guards) == float_ids and set(guards.values()) == {1}
    assert len(refetches) - len(floats) >= verdicts["SUBMITTED"]
    pages = [s for s in run_trace if s["name"] == "postgres.query" and "ORDER BY id" in s["resource"]]
    assert pages and all(s["parent_id"] == root["span_id"] for s in pages)  # paging, under the root
    assert by_parent[("dynamodb.command", True)] >= 18 * 3  # lock, history, release per float
    http = [
        s for s in run_trace if s["name"] == "urllib3.request" and "/v1/" in s["meta"].get("http.url", "")
    ]
    assert http and all(s["parent_id"] in float_ids for s in http)
    assert any(s["error"] == 1 and s["meta"].get("http.status_code") == "503" for s in http)
    for span in floats:
        assert set(span["meta"]) <= {
            "env",
            "verdict",
            "payment_id",
            "error.message",
            "_dd.p.tid",
            "version",
            "_dd.p.dm",
            "language",
            "runtime-id",
            "_dd.base_service",
            "error.type",
            "error.stack",
            "component",
            "_dd.p.ts",
            "_dd.svc_src",
            "process_id",
        }

    # -- the metrics ---------------------------------------------------------------------------
    metrics = _metrics(udp.lines)
    processed = metrics["floats.processed"]
    assert sum(v for v, _, _ in processed) == 18
    assert all("env:sandbox" in tags and "service:collections-jobs" in tags for v, _, tags in processed)
    assert (
        Counter(t for _, _, tags in processed for t in tags if t.startswith("verdict:"))[
            "verdict:SKIP_VALID_CARD"
        ]
        == 7
    )
    summary = json.loads(next(line for line in result.stdout.splitlines() if "run finished" in line))[
        "summary"
    ]
    assert sum(v for v, _, _ in metrics["ach.submitted"]) == summary["counts"]["SUBMITTED"]
    assert sum(v for v, _, _ in metrics["ach.amount_cents"]) == summary["submitted_amount_cents"]
    assert sum(v for v, _, _ in metrics["ach.failed"]) == summary["counts"]["FAILED"]
    assert metrics["run.duration"][0][1] == "g" and metrics["limiter.wait_ms"][0][1] == "h"

    # -- the logs: every line parses and carries the trace of its span ------------------------------
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    root_trace = root["meta"]["_dd.p.tid"] + f"{root['trace_id']:016x}"
    float_lines = [entry for entry in lines if "float_id" in entry]
    assert len(float_lines) == 18
    span_by_float = {int(s["metrics"]["float_id"]): s for s in floats}
    for entry in float_lines:
        assert entry["dd.trace_id"] == root_trace
        assert entry["dd.span_id"] == str(span_by_float[entry["float_id"]]["span_id"])
        assert (
            entry["dd.service"] == "collections-jobs"
            and entry["dd.env"] == "sandbox"
            and entry["dd.version"] == "test-1"
        )
        assert entry["run_id"] == root["meta"]["run_id"]

    # -- no secret anywhere -------------------------------------------------------------------------
    captured = "\n".join([result.stdout, result.stderr, json.dumps(traces), "\n".join(udp.lines)])
    for secret in (PLANTED_PASSWORD, PLANTED_CARD, "AWS4-HMAC-SHA256", "Signature="):
        assert secret not in captured, secret


def test_redaction_of_planted_values_in_logs_spans_and_metric_tags():
    import logging

    from jobs.observe import redact
    from jobs.observe.telemetry import Metrics

    redact.register(PLANTED_PASSWORD)
    header = (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261120/us-east-1/execute-api/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "ab" * 32
    )
    record = logging.LogRecord(
        "t", logging.INFO, "", 0, "db=%s auth=%s card=%s", (PLANTED_PASSWORD, header, PLANTED_CARD), None
    )
    record.headers = {"Authorization": header}
    redact.RedactingFilter().filter(record)
    text = record.getMessage() + json.dumps(record.headers)
    assert PLANTED_PASSWORD not in text and "Signature=abab" not in text and PLANTED_CARD not in text
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "••••1111" in text
    assert redact.scrub("span 1234567890123456789") == "span 1234567890123456789"  # not a card (Luhn)

    sent = []

    class Client:
        def increment(self, name, value, tags):
            sent.append(tags)

    Metrics(Client(), ["env:sandbox"]).increment("x", tags={"reason": f"card {PLANTED_CARD}"})
    assert PLANTED_CARD not in json.dumps(sent)


def test_operator_actions_are_traced_and_the_audit_events_carry_the_trace_id(cli, test_agent, tmp_path):
    """`recover` on a dead run: one trace (recover → lock.release, launch); all three audit events name it."""
    scenario = Path(__file__).parents[1] / "cli" / "scenarios" / "recover-died.json"
    seeded = tmp_path / "died.json"
    seeded.write_text(scenario.read_text().replace("HOSTNAME", socket.gethostname()))
    assert cli("sandbox", "seed", "--from", str(seeded)).exit_code == 0
    urllib.request.urlopen(f"{test_agent}/test/session/clear").read()
    env = {
        **os.environ,
        "FLOATCTL_NOW": scenarios.AFTER_FIRE,
        "DD_TRACE_ENABLED": "true",
        "DD_TRACE_AGENT_URL": test_agent,
        "DD_SERVICE": "floatctl",
        "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
        "DD_REMOTE_CONFIGURATION_ENABLED": "false",
    }
    floatctl = FLOATCTL
    recover = [*floatctl, "recover", "day-before-ach", "--yes", "--wait", "--poll", "0.3", "--reason", "OOM"]
    done = subprocess.run(recover, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    traces = wait_for(lambda: _traces_with(test_agent, "floatctl.recover"), 10, "the recover's root span")
    spans = [s for t in traces for s in t]
    by_name = {s["name"]: s for s in spans if s["name"].startswith("floatctl.")}
    assert set(by_name) == {"floatctl.recover", "floatctl.lock.release", "floatctl.launch"}
    root = by_name["floatctl.recover"]
    assert by_name["floatctl.launch"]["parent_id"] == root["span_id"]
    assert by_name["floatctl.lock.release"]["parent_id"] == root["span_id"]
    assert root["meta"]["diagnosis"] == "died"
    trace_id = root["meta"]["_dd.p.tid"] + f"{root['trace_id']:016x}"

    untraced = {k: v for k, v in env.items() if not k.startswith("DD_")}
    listed = subprocess.run(
        [*floatctl, "-o", "json", "history", "--audit"], capture_output=True, text=True, env=untraced
    )
    audit = [a for a in json.loads(listed.stdout)["audit"] if a["reason"].endswith("OOM")]
    assert sorted(a["action"] for a in audit) == ["launch", "lock.release", "recover"]
    assert {a["trace_id"] for a in audit} == {trace_id}

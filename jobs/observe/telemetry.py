"""Traces (ddtrace) and metrics (DogStatsD) for the batch; no-ops unless configured.

Loaded only on the run path: `floatctl --help` and the operator commands never import ddtrace.
Tracing is on when DD_TRACE_ENABLED is true; metrics when an agent is named (DD_AGENT_HOST or
DD_DOGSTATSD_URL/HOST). Spans and metric tags pass through the redaction filter.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jobs.observe import redact

log = logging.getLogger("jobs.observe.telemetry")
SERVICE_DEFAULT = "collections-jobs"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class Metrics:
    """DogStatsD counters, gauges and histograms tagged with env and service; silent when off."""

    def __init__(self, client: Any = None, tags: list[str] | None = None) -> None:
        self.client = client
        self.tags = tags or []

    def _tags(self, extra: dict[str, str] | None) -> list[str]:
        return self.tags + [redact.scrub(f"{k}:{v}") for k, v in (extra or {}).items()]

    def increment(self, name: str, value: float = 1, tags: dict[str, str] | None = None) -> None:
        if self.client is not None:
            self.client.increment(name, value, tags=self._tags(tags))

    def gauge(self, name: str, value: float, tags: dict[str, str] | None = None) -> None:
        if self.client is not None:
            self.client.gauge(name, value, tags=self._tags(tags))

    def histogram(self, name: str, value: float, tags: dict[str, str] | None = None) -> None:
        if self.client is not None:
            self.client.histogram(name, value, tags=self._tags(tags))

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.flush()
                self.client.close_socket()
            except Exception as exc:  # metrics must never fail a run
                log.debug("closing DogStatsD failed: %s", exc)


class Tracing:
    """Spans through ddtrace, or nothing."""

    def __init__(self, tracer: Any = None) -> None:
        self.tracer = tracer

    @property
    def enabled(self) -> bool:
        return self.tracer is not None

    def start(self, name: str, parent: Any = None, activate: bool = True, **tags: Any) -> Any:
        """Start a span, a child of `parent` (across threads) or of this thread's active span; None when off."""
        if self.tracer is None:
            return None
        parent = parent if parent is not None else self.tracer.current_span()
        span = self.tracer.start_span(name, child_of=parent, activate=activate, service=None)
        for key, value in tags.items():
            span.set_tag(key, value)
        return span

    def activate(self, span: Any) -> None:
        """Make `span` the current one in this thread (a float moving to a submitter thread)."""
        if self.tracer is not None and span is not None:
            self.tracer.context_provider.activate(span)

    def deactivate(self) -> None:
        if self.tracer is not None:
            self.tracer.context_provider.activate(None)

    @contextmanager
    def span(self, name: str, parent: Any = None, **tags: Any) -> Iterator[Any]:
        span = self.start(name, parent, **tags)
        try:
            yield span
        except BaseException as exc:
            if span is not None:
                span.set_exc_info(type(exc), exc, exc.__traceback__)
            raise
        finally:
            if span is not None:
                span.finish()

    def trace_id(self) -> str | None:
        """The current trace's id as logs carry it (dd.trace_id), or None outside a span."""
        value = self.log_context().get("dd.trace_id")
        return value if value and value != "0" else None

    def log_context(self) -> dict[str, str]:
        """dd.* fields for the log line written now, under the current span."""
        if self.tracer is None:
            return {}
        context = self.tracer.get_log_correlation_context()
        return {
            (k if k.startswith("dd.") else f"dd.{k}"): str(v)
            for k, v in context.items()
            if v not in (None, "")
        }

    def close(self) -> None:
        if self.tracer is not None:
            try:
                self.tracer.flush()
            except Exception as exc:
                log.warning("flushing traces failed: %s", exc)


class Telemetry:
    """Tracing and metrics for one process."""

    def __init__(self, tracing: Tracing | None = None, metrics: Metrics | None = None) -> None:
        self.tracing = tracing or Tracing()
        self.metrics = metrics or Metrics()

    def close(self) -> None:
        self.tracing.close()
        self.metrics.close()


NOOP = Telemetry()


def tracing_from_env(environ: dict[str, str] | None = None) -> Tracing:
    """ddtrace when DD_TRACE_ENABLED is true (patching psycopg, botocore, urllib3), else no spans."""
    environ = dict(os.environ if environ is None else environ)
    return Tracing(_tracer()) if _truthy(environ.get("DD_TRACE_ENABLED")) else Tracing()


def setup(env: str, environ: dict[str, str] | None = None) -> Telemetry:
    """Turn on what the environment asks for; patch psycopg, botocore and urllib3 before they are used."""
    environ = dict(os.environ if environ is None else environ)
    tracing = tracing_from_env(environ)
    metrics = Metrics()
    if environ.get("DD_AGENT_HOST") or environ.get("DD_DOGSTATSD_URL") or environ.get("DD_DOGSTATSD_HOST"):
        metrics = Metrics(
            _statsd(environ),
            [
                f"env:{environ.get('DD_ENV') or env}",
                f"service:{environ.get('DD_SERVICE') or SERVICE_DEFAULT}",
            ],
        )
    return Telemetry(tracing, metrics)


def _tracer() -> Any:
    import ddtrace
    from ddtrace.trace import TraceFilter, tracer

    class RedactSpans(TraceFilter):
        """Scrub every string tag of every span before it leaves the process."""

        def process_trace(self, trace: list[Any]) -> list[Any]:
            for span in trace:
                for key, value in list(span.get_tags().items()):
                    if isinstance(value, str):
                        clean = redact.scrub(value)
                        if clean != value:
                            span.set_tag(key, clean)
            return trace

    ddtrace.patch(psycopg=True, botocore=True, urllib3=True)
    tracer.configure(trace_processors=[RedactSpans()])
    return tracer


def _statsd(environ: dict[str, str]) -> Any:
    from datadog.dogstatsd.base import DogStatsd

    host = environ.get("DD_DOGSTATSD_HOST") or environ.get("DD_AGENT_HOST") or "localhost"
    port = int(environ.get("DD_DOGSTATSD_PORT") or 8125)
    # UDP is fire-and-forget: a missing agent never blocks or fails the run.
    return DogStatsd(host=host, port=port, disable_telemetry=True, disable_buffering=False)

"""Logging set-up: JSON lines on stdout when it is not a TTY (FireLens), rich lines on stderr otherwise.

Every line passes the redaction filter; JSON lines carry the run id, the float id where relevant,
and dd.trace_id/dd.span_id of the span they were written under, plus dd.service/env/version.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

NOISY = ("botocore", "boto3", "urllib3", "psycopg.pool", "ddtrace", "datadog")


class ContextFilter(logging.Filter):
    """Adds the correlation fields of the moment a line is written."""

    def __init__(self, static: dict[str, str], dynamic: Callable[[], dict[str, str]] | None) -> None:
        super().__init__()
        self.static = static
        self.dynamic = dynamic

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in self.static.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if self.dynamic is not None:
            for key, value in self.dynamic().items():
                setattr(record, key, value)
        return True


def _version() -> str:
    """The build's version when DD_VERSION is not set (a checkout, `make run`): unified service tagging."""
    from floatctl.version_info import build_info

    return build_info()["version"]


def setup(
    verbose: int = 0,
    *,
    json_lines: bool | None = None,
    stream: Any = None,
    context: Callable[[], dict[str, str]] | None = None,
    env: str = "sandbox",
) -> None:
    """Configure the root logger once for a batch process.

    JSON lines go to stdout (FireLens ships it) unless stdout carries a JSON document (`-o json`).
    """
    from jobs.observe.redact import RedactingFilter

    json_lines = (not sys.stdout.isatty()) if json_lines is None else json_lines
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    if json_lines:
        from pythonjsonlogger.json import JsonFormatter

        handler: logging.Handler = logging.StreamHandler(stream or sys.stdout)
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp=True,
            )
        )
        static = {
            "dd.service": os.environ.get("DD_SERVICE", "collections-jobs"),
            "dd.env": os.environ.get("DD_ENV", env),
            "dd.version": os.environ.get("DD_VERSION") or _version(),
        }
        handler.addFilter(ContextFilter(static, context))
    else:
        from rich.console import Console
        from rich.logging import RichHandler

        handler = RichHandler(
            console=Console(stderr=True), show_path=False, rich_tracebacks=False, markup=False
        )
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(
        logging.DEBUG if verbose > 1 else logging.INFO if (verbose or json_lines) else logging.WARNING
    )
    # Never DEBUG botocore into the log path: it prints signed headers (docs/observability.md, Secrets).
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)

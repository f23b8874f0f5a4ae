"""Logging set-up: JSON lines on stdout when it is not a TTY (FireLens), rich lines on stderr otherwise."""

from __future__ import annotations

import logging
import sys

JSON_FIELDS = ("run_id", "float_id", "outcome")


def setup(verbose: int = 0, *, json_lines: bool | None = None, stream=None) -> None:
    """Configure the root logger once for a batch process.

    JSON lines go to stdout (FireLens ships it) unless stdout carries a JSON document (`-o json`).
    """
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
    else:
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, rich_tracebacks=False, markup=False)
    root.addHandler(handler)
    root.setLevel(
        logging.DEBUG if verbose > 1 else logging.INFO if (verbose or json_lines) else logging.WARNING
    )
    # Never DEBUG botocore into the log path: it prints signed headers (DESIGN §10).
    for noisy in ("botocore", "boto3", "urllib3", "psycopg.pool"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

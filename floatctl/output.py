"""The one place that prints: data to stdout, people to stderr, errors as one line with an exit code.

Tables render with rich on a TTY, tabulate for plain/markdown, the csv module for csv, and JSON for
machines. Heavy renderers load only when used.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMATS = ("table", "json", "csv", "markdown", "plain")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, default=_default, indent=2, sort_keys=False)


def dollars(cents: int | None) -> str:
    """Money for people: cents as $1,234.56."""
    if cents is None:
        return "-"
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


@dataclass
class Output:
    """Renders results in the format the user asked for."""

    format: str = "table"
    verbose: int = 0

    @property
    def is_json(self) -> bool:
        return self.format == "json"

    @property
    def stdout_is_tty(self) -> bool:
        return sys.stdout.isatty()

    def json(self, data: Any) -> None:
        sys.stdout.write(to_json(data) + "\n")

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> None:
        """A table in the chosen format (json callers should use .json with their own document)."""
        fmt = self.format
        if fmt == "json":
            self.json([dict(zip(columns, row, strict=True)) for row in rows])
        elif fmt == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(["" if v is None else v for v in row] for row in rows)
        elif fmt == "table" and self.stdout_is_tty:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=title, header_style="bold")
            for column in columns:
                table.add_column(column)
            for row in rows:
                table.add_row(*("" if v is None else str(v) for v in row))
            Console().print(table)
        else:
            from tabulate import tabulate

            if title and fmt != "markdown":
                sys.stdout.write(title + "\n")
            tablefmt = "github" if fmt == "markdown" else "plain" if fmt == "plain" else "simple"
            sys.stdout.write(tabulate(rows, headers=list(columns), tablefmt=tablefmt) + "\n")

    def fields(self, pairs: Sequence[tuple[str, Any]], title: str | None = None) -> None:
        """Key/value facts (status-style output)."""
        if self.format == "json":
            self.json(dict(pairs))
            return
        self.table(("field", "value"), [(k, "" if v is None else v) for k, v in pairs], title=title)

    def line(self, text: str = "") -> None:
        """A line of data on stdout."""
        sys.stdout.write(text + "\n")

    def info(self, text: str) -> None:
        """A message for people, on stderr."""
        sys.stderr.write(text + "\n")

    def warn(self, text: str) -> None:
        sys.stderr.write(f"warning: {text}\n")

    def error(self, text: str, hint: str | None = None) -> None:
        sys.stderr.write(f"error: {text}\n")
        if hint:
            sys.stderr.write(f"hint: {hint}\n")

    def banner(self, env: str) -> None:
        """Say which environment a command acts on; loudly in prod."""
        if env == "prod":
            sys.stderr.write("*** PRODUCTION (env=prod) ***\n")
        elif self.verbose or env != "sandbox":
            sys.stderr.write(f"env: {env}\n")

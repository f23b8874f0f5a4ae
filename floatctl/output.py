"""The one place that prints: data to stdout, people to stderr, errors as one line with an exit code.

Tables render with rich on a TTY, tabulate for plain/markdown, the csv module for csv, and JSON for
machines. Heavy renderers load only when used.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jobs.words import duration, plural  # noqa: F401 (the faces' wording is jobs')

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


def cell(value: Any) -> str:
    """One value for people: `yes`/`no` for booleans, empty for None, never a Python repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(cell(v) for v in value)
    return str(value)


def new_york(moment: datetime) -> str:
    """A moment as New York wall time with its zone: `2026-11-20 19:04:05 EST`."""
    from jobs.domain.calendar import NEW_YORK

    return moment.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S %Z")


def _keeps_whole(values: Sequence[str]) -> bool:
    """A column of tokens or short values (ids, keys, amounts, verdicts, `4 min 10 s`): kept on one line."""
    return all(" " not in v or len(v) <= 16 for v in values)


def _header(name: str) -> str:
    """A header for people (`float id`); the data formats keep the name (`float_id`)."""
    return name.replace("_", " ")


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _column_width(name: str, values: Sequence[str]) -> int:
    """The narrowest a column may be: whole for tokens, else its longest word (up to 24: rich folds beyond)."""
    if _keeps_whole(values):
        return max([len(name), *(len(v) for v in values)])
    return min(24, max([_longest_word(_header(name)), *map(_longest_word, values)]))


@dataclass
class Output:
    """Renders results in the format the user asked for."""

    format: str = "table"
    verbose: int = 0
    _announced: bool = field(default=False, repr=False)

    @property
    def is_json(self) -> bool:
        return self.format == "json"

    @property
    def stdout_is_tty(self) -> bool:
        return sys.stdout.isatty()

    def json(self, data: Any) -> None:
        sys.stdout.write(to_json(data) + "\n")

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        title: str | None = None,
        drop_first: Sequence[str] = (),
    ) -> None:
        """A table in the chosen format (json callers should use .json with their own document).

        On a terminal nothing is cut: text wraps, and when the single-token columns (ids, keys, amounts,
        verdicts) cannot all fit whole, the `drop_first` columns go, in order, with a note on stderr.
        """
        fmt = self.format
        if fmt == "json":
            self.json([dict(zip(columns, row, strict=True)) for row in rows])
        elif fmt == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([cell(v) for v in row] for row in rows)
        elif fmt == "table" and self.stdout_is_tty:
            self._rich_table(columns, rows, title, drop_first)
        else:
            from tabulate import tabulate

            if title:
                sys.stdout.write(f"## {title}\n\n" if fmt == "markdown" else title + "\n")
            tablefmt = "github" if fmt == "markdown" else "plain" if fmt == "plain" else "simple"
            rows = [[cell(v) for v in row] for row in rows]
            sys.stdout.write(tabulate(rows, headers=list(columns), tablefmt=tablefmt) + "\n")

    def _rich_table(self, columns, rows, title, drop_first) -> None:
        """Borderless, as kubectl and gh print: two spaces between columns, nothing cut."""
        from rich.console import Console
        from rich.table import Table

        console = Console()
        cells = [[cell(v) for v in row] for row in rows]
        widths = [_column_width(columns[i], [c[i] for c in cells]) for i in range(len(columns))]
        keep = list(range(len(columns)))
        dropped = []
        for name in drop_first:
            if sum(widths[i] for i in keep) + 2 * (len(keep) - 1) <= console.width:
                break
            if name in columns and columns.index(name) in keep:
                keep.remove(columns.index(name))
                dropped.append(name)
        table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold underline")
        for i in keep:
            whole = _keeps_whole([c[i] for c in cells])
            table.add_column(
                _header(columns[i]), no_wrap=whole, min_width=widths[i] if whole else None, overflow="fold"
            )
        for row in cells:
            table.add_row(*(row[i] for i in keep))
        if title:  # a line of its own, not squeezed into the table's width
            console.print(title, style="bold", markup=False, highlight=False, soft_wrap=True)
        console.print(table)
        if dropped:
            note = f"({', '.join(dropped)} not shown at {console.width} columns: widen it or use -o plain)"
            Console(stderr=True).print(note, markup=False, highlight=False)  # wrapped to the terminal

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
        """Say which environment a command acts on, once; loudly in prod."""
        if self._announced:
            return
        self._announced = True
        if env == "prod":
            sys.stderr.write("*** PRODUCTION (env=prod) ***\n")
        elif self.verbose or env != "sandbox":
            sys.stderr.write(f"env: {env}\n")

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

from jobs.words import duration, moment, plural  # noqa: F401 (the faces' wording is jobs')

FORMATS = ("table", "json", "csv", "markdown", "plain")
FIELD_COLUMNS = ("field", "value")


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
    """One value for people: `yes`/`no` for booleans, empty for None, a moment in New York time
    (`Fri 2026-11-20 19:04:05 EST`), never a Python repr."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(cell(v) for v in value)
    return str(value)


def cutoff_fit(timing: dict[str, Any]) -> str:
    """A preview's timing as one sentence (`preview`, the TUI's preview screen): what the submissions
    need at the rate against the time left to the 21:00 ET cutoff."""
    import math

    need = duration(math.ceil(timing["needed_s"]))
    left, start = timing["seconds_to_cutoff"], timing["start_at"][11:16]
    room = (
        f"{duration(left)} from {start} ET to the 21:00 ET cutoff"
        if left > 0
        else f"the 21:00 ET cutoff passed {duration(left)} ago"
    )
    return (
        f"{plural(timing['submissions'], 'submission')} at {timing['rate_per_s']}/s need {need}; "
        f"{room}: {'fits' if timing['fits'] else 'DOES NOT FIT'}"
    )


def _keeps_whole(values: Sequence[Any]) -> bool:
    """A column of tokens, moments or short values (ids, keys, amounts, verdicts, `4 min 10 s`): kept
    on one line."""
    return all(isinstance(v, datetime) or " " not in (text := cell(v)) or len(text) <= 16 for v in values)


def _header(name: str) -> str:
    """A header for people (`float id`); the data formats keep the name (`float_id`)."""
    return name.replace("_", " ")


GAP = 2  # spaces between columns, as kubectl and gh print
# A text column is never squeezed narrower than 12, nor than its longest word up to 24 (a longer
# token in prose, a path or a request detail, folds: ids, keys and amounts live in whole columns).
_LEAST_TEXT, _LONGEST_WORD = 12, 24


@dataclass(frozen=True)
class _Column:
    """One column's widths on a terminal: whole columns are `natural` wide; text ones `least`..`natural`."""

    whole: bool
    natural: int
    least: int


def _measure(name: str, raw: Sequence[Any]) -> _Column:
    from rich.cells import cell_len

    header, values = _header(name), [cell(v) for v in raw]
    natural = max([cell_len(header), *(cell_len(line) for v in values for line in v.splitlines() or [""])])
    if _keeps_whole(raw):
        return _Column(True, natural, natural)
    longest_word = max(
        (cell_len(w) for w in [*header.split(), *(w for v in values for w in v.split())]), default=0
    )
    return _Column(False, natural, min(natural, max(_LEAST_TEXT, min(longest_word, _LONGEST_WORD))))


def layout(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int, drop_first: Sequence[str] = ()
) -> tuple[dict[int, int], list[str]] | None:
    """The columns shown (index -> width) and the ones dropped, or None when no table fits `width`.

    Whole columns (ids, keys, amounts, run ids) never shrink below their longest value; text columns
    get the rest, at least their longest word. When the least widths overflow, the `drop_first`
    columns go in order; when they are all gone and it still overflows, there is no table (the caller
    prints one record per block instead).
    """
    measured = {i: _measure(name, [row[i] for row in rows]) for i, name in enumerate(columns)}
    keep = dict(measured)
    dropped: list[str] = []

    def least() -> int:
        return sum(c.least for c in keep.values()) + GAP * (len(keep) - 1)

    for name in drop_first:
        if least() <= width:
            break
        if name in columns and columns.index(name) in keep:
            del keep[columns.index(name)]
            dropped.append(name)
    if least() > width:
        return None
    widths = {i: c.least for i, c in keep.items()}
    spare = width - least()
    want = {i: c.natural - c.least for i, c in keep.items() if c.natural > c.least}
    total = sum(want.values())
    for i, more in want.items():  # the spare width shared by how much each text column still lacks
        widths[i] += more if total <= spare else more * spare // total
    leftover = width - sum(widths.values()) - GAP * (len(widths) - 1)
    for i in sorted(want, key=lambda i: keep[i].natural - widths[i], reverse=True)[: max(leftover, 0)]:
        if widths[i] < keep[i].natural:
            widths[i] += 1
    return widths, dropped


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
            writer.writerows(
                [v.isoformat() if isinstance(v, datetime) else cell(v) for v in row] for row in rows
            )
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
        """Borderless, as kubectl and gh print: two spaces between columns, nothing cut (see `layout`)."""
        from rich.console import Console
        from rich.table import Table

        console = Console()
        cells = [[cell(v) for v in row] for row in rows]
        if title:  # a line of its own, not squeezed into the table's width
            console.print(title, style="bold", markup=False, highlight=False, soft_wrap=True)
        fitted = layout(columns, rows, console.width, drop_first)
        if fitted is None:
            self._records(console, columns, cells)
            return
        widths, dropped = fitted
        table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold underline")
        for i, width in widths.items():
            whole = _keeps_whole([row[i] for row in rows])
            table.add_column(_header(columns[i]), width=width, no_wrap=whole, overflow="fold")
        for row in cells:
            table.add_row(*(row[i] for i in widths))
        console.print(table)
        if dropped:
            note = f"({', '.join(map(_header, dropped))} not shown at {console.width} columns: widen it or use -o plain)"
            Console(stderr=True).print(note, markup=False, highlight=False)  # wrapped to the terminal

    @staticmethod
    def _records(console: Any, columns: Sequence[str], cells: Sequence[Sequence[str]]) -> None:
        """Too narrow for a table: one block per row, `name  value` per line (as `kubectl describe`).

        A fields table (`field`/`value`) is one block of its own pairs. Text wraps under its value; a
        token longer than the line is printed whole and left to the terminal to wrap, never cut.
        """
        import textwrap

        from rich.text import Text

        blocks = (
            [list(cells)]
            if tuple(columns) == FIELD_COLUMNS
            else [[(_header(name), row[i]) for i, name in enumerate(columns)] for row in cells]
        )
        for n, pairs in enumerate(blocks):
            if n:
                console.print()
            label_width = max(len(label) for label, _ in pairs)
            room = max(20, console.width - label_width - GAP)
            for label, value in pairs:
                lines = textwrap.wrap(value, room, break_long_words=False, break_on_hyphens=False) or [""]
                indent = " " * (label_width + GAP)
                text = Text.assemble(
                    (label.ljust(label_width), "bold"), " " * GAP, ("\n" + indent).join(lines)
                )
                console.print(text, soft_wrap=True, highlight=False)

    def fields(self, pairs: Sequence[tuple[str, Any]], title: str | None = None) -> None:
        """Key/value facts (status-style output)."""
        if self.format == "json":
            self.json(dict(pairs))
            return
        self.table(FIELD_COLUMNS, [(k, "" if v is None else v) for k, v in pairs], title=title)

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

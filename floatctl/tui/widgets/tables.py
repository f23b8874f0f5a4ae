"""Filling a DataTable in one go, with every column as wide as its widest cell."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text


def _width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def fill_table(
    table: DataTable,
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    keys: Sequence[str] | None = None,
) -> None:
    """Replace the table's columns and rows. Widths are computed here rather than on the table's next
    idle, so no frame (and no snapshot) ever shows columns as narrow as their headers."""
    rows = [list(row) for row in rows]
    table.clear(columns=True)
    for index, label in enumerate(columns):
        table.add_column(label, width=max([cell_len(label), *(_width(row[index]) for row in rows)]))
    for index, row in enumerate(rows):
        table.add_row(*row, key=keys[index] if keys else None)

"""Finance's preview: every float of a run date with each rule's result, filters, totals, ETA, CSV export."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Select, Static

from floatctl.commands.preview import RULE_MARK as RULE_MARKS
from floatctl.output import cutoff_fit
from floatctl.tui.format import dollars
from floatctl.tui.messages import PreviewExported, PreviewLoaded
from floatctl.tui.screens.base import OperatorScreen
from floatctl.tui.widgets.env_banner import EnvBanner
from floatctl.tui.widgets.key_table import KeyTable
from floatctl.tui.widgets.message_line import MessageLine
from floatctl.tui.widgets.stale_note import StaleNote
from floatctl.tui.widgets.tables import fill_table
from jobs.domain.model import SUBMIT_ACH, VERDICTS
from jobs.domain.rules import RULES
from jobs.finance.preview import ERROR

RULE_STYLES = {"pass": "green", "fail": "bold red", "not_checked": "dim", "error": "bold magenta"}
# Every verdict, SKIP_LOCKED included: the preview reads each float's lock (as `floatctl preview --verdict`).
VERDICT_CHOICES = (*VERDICTS, ERROR)
COLUMNS = ("float", "user", "amount", "due", *RULES, "verdict", "reason")


def row_matches(row: Any, verdict: str | None, text: str) -> bool:
    """The verdict filter and the free-text filter (every word must appear in id, user, verdict or reason)."""
    if verdict and row.verdict != verdict:
        return False
    haystack = f"{row.float.id} {row.float.user_id} {row.verdict} {row.reason}".lower()
    return all(word in haystack for word in text.lower().split())


def write_csv(path: Path, rows: list[Any]) -> None:
    """The rows with the columns of `floatctl preview -o csv` (amounts in cents, rules as ok/FAIL/-)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["float_id", "user_id", "amount_cents", "due_date", *RULES, "verdict", "reason"])
        for row in rows:
            f = row.float
            results = {r.rule: r.status for r in row.rules}
            writer.writerow(
                [
                    f.id,
                    "" if f.user_id is None else f.user_id,
                    "" if f.amount_cents is None else f.amount_cents,
                    f.due_date.isoformat() if f.due_date else "",
                    *(RULE_MARKS[results.get(name, "not_checked")] for name in RULES),
                    row.verdict,
                    row.reason,
                ]
            )


class PreviewScreen(OperatorScreen):
    """The dry run of one run date: nothing locked, nothing written, nothing paid."""

    TITLE_TEXT = "Preview"
    AUTO_FOCUS = "#preview-table"
    BINDINGS = [
        Binding("r", "run_preview", "Run", tooltip="Dry-run the batch for the run date again"),
        Binding("slash", "focus_filter", "Filter", tooltip="Filter the rows by id, user, verdict or reason"),
        Binding("e", "export", "Export CSV", tooltip="Write the shown rows to a CSV file"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.preview: Any = None
        self.shown: list[Any] = []

    def compose(self) -> ComposeResult:
        yield EnvBanner(self.TITLE_TEXT)
        with Horizontal(id="preview-controls"):
            yield Input(placeholder="run date YYYY-MM-DD", id="run-date")
            yield Select([(v, v) for v in VERDICT_CHOICES], prompt="every verdict", id="verdict")
            yield Input(placeholder="/ filter: float, user, verdict, reason", id="filter", classes="filter")
        with VerticalScroll(id="preview-body"):
            yield KeyTable(id="preview-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="preview-detail", markup=False)
            with Horizontal(id="preview-summary"):
                yield Static(id="preview-totals")
                yield Static(id="preview-timing")
            yield StaleNote(id="preview-read")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        from jobs import clock
        from jobs.domain import calendar

        fill_table(self.query_one(DataTable), COLUMNS, [])
        self.query_one("#run-date", Input).value = calendar.today_in_new_york(clock.now()).isoformat()
        self.action_run_preview()

    def action_run_preview(self) -> None:
        from jobs import clock
        from jobs.domain import calendar

        text = self.query_one("#run-date", Input).value
        try:
            run_date = calendar.parse_run_date(text, now=clock.now())
        except ValueError as exc:
            self.query_one(MessageLine).error(str(exc))
            return
        self.say(f"previewing run date {run_date}…")
        self.query_one(DataTable).loading = True
        self.build(run_date)

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_export(self) -> None:
        if self.preview is None:
            return
        directory = self.operator_app.export_dir
        path = directory / f"preview-{self.operator_app.env}-{self.preview.options.run_date}.csv"
        self.export(path, list(self.shown))

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def build(self, run_date: Any) -> None:
        from jobs.finance.preview import build_preview, preview_options

        runtime = self.runtime()
        options = preview_options(runtime.settings, run_date)  # the same settings as `floatctl preview`
        preview = build_preview(options, runtime.sources(), workers=options.workers, locks=runtime.locks())
        self.post_message(PreviewLoaded(preview))

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def export(self, path: Path, rows: list[Any]) -> None:
        write_csv(path, rows)
        self.post_message(PreviewExported(path, len(rows)))

    def worker_failed(self, worker: Any) -> None:
        from jobs import clock

        self.query_one(DataTable).loading = False
        if worker.name == "build":
            self.query_one(StaleNote).failed(clock.now())

    def on_preview_loaded(self, message: PreviewLoaded) -> None:
        from jobs import clock

        self.preview = message.preview
        self.query_one(StaleNote).fresh(clock.now())
        self.query_one(DataTable).loading = False
        window = self.preview.options.window
        self.say(
            f"run date {self.preview.options.run_date}: {len(self.preview.rows)} floats due {window.start}..{window.end}"
        )
        self.show_totals()
        self.refilter()

    def on_preview_exported(self, message: PreviewExported) -> None:
        self.say(f"exported {message.rows} rows to {message.path}")

    @on(Input.Submitted, "#run-date")
    def run_date_entered(self) -> None:
        self.focus_main()
        self.action_run_preview()

    @on(Input.Submitted, "#filter")
    def filter_entered(self) -> None:
        self.focus_main()  # the filter stays; Esc clears it

    @on(Input.Changed, "#filter")
    @on(Select.Changed, "#verdict")
    def filters_changed(self) -> None:
        self.refilter()

    def refilter(self) -> None:
        """Show the rows that pass both filters (no I/O: the preview is already in memory)."""
        if self.preview is None:
            return
        verdict = self.query_one("#verdict", Select).value
        verdict = verdict if isinstance(verdict, str) else None
        text = self.query_one("#filter", Input).value
        self.shown = [row for row in self.preview.rows if row_matches(row, verdict, text)]
        fill_table(
            self.query_one(DataTable),
            COLUMNS,
            [self.cells(row) for row in self.shown],
            keys=[str(row.float.id) for row in self.shown],
        )
        amount = dollars(sum(max(r.float.amount_cents or 0, 0) for r in self.shown))
        totals = self.query_one("#preview-totals", Static)
        totals.border_subtitle = f"showing {len(self.shown)} of {len(self.preview.rows)} floats, {amount}"
        self.show_detail(self.query_one(DataTable).cursor_row)

    @on(DataTable.RowHighlighted, "#preview-table")
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event.cursor_row)

    def show_detail(self, index: int) -> None:
        """The highlighted float's verdict and every rule's reason, in full; empty when no row is
        highlighted (a filter that leaves no row clears it)."""
        detail = self.query_one("#preview-detail", Static)
        if not 0 <= index < len(self.shown):
            detail.update("")
            return
        row = self.shown[index]
        rules = " · ".join(f"{r.rule} {RULE_MARKS[r.status]}: {r.reason or '-'}" for r in row.rules)
        detail.update(f"float {row.float.id} → {row.verdict}: {row.reason}\n{rules}")

    @staticmethod
    def cells(row: Any) -> list[Any]:
        """One preview row as table cells: ids, dollars, each rule's mark, the verdict, the reason."""
        f = row.float
        results = {r.rule: r.status for r in row.rules}
        marks = [results.get(name, "not_checked") for name in RULES]
        return [
            str(f.id),
            "-" if f.user_id is None else str(f.user_id),
            Text(dollars(f.amount_cents), justify="right"),
            str(f.due_date or "-"),
            *(Text(RULE_MARKS[mark], style=RULE_STYLES[mark]) for mark in marks),
            Text(row.verdict, style="bold" if row.verdict == SUBMIT_ACH else ""),
            row.reason,
        ]

    def show_totals(self) -> None:
        from rich.table import Table

        totals = Table(box=None, padding=(0, 1), show_edge=False)
        totals.add_column("verdict")
        totals.add_column("floats", justify="right")
        totals.add_column("amount", justify="right")
        for verdict, total in self.preview.totals().items():
            totals.add_row(verdict, str(total["count"]), dollars(total["amount_cents"]))
        self.query_one("#preview-totals", Static).update(totals)
        timing = self.preview.timing()
        timing_widget = self.query_one("#preview-timing", Static)
        timing_widget.set_class(not timing["fits"], "-late")
        timing_widget.update(cutoff_fit(timing).replace("; ", ";\n", 1) + ".")

"""Search collection-history by float, user, run or run date, and read the operator audit ledger."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Select

from floatctl.tui.format import dollars, moment
from floatctl.tui.messages import HistoryLoaded, RunsLoaded
from floatctl.tui.screens.base import OperatorScreen
from floatctl.tui.widgets.env_banner import EnvBanner
from floatctl.tui.widgets.key_table import KeyTable
from floatctl.tui.widgets.message_line import MessageLine
from floatctl.tui.widgets.nights import NightsChart
from floatctl.tui.widgets.tables import fill_table

KINDS = (
    ("float id", "float"),
    ("user id", "user"),
    ("run id", "run"),
    ("run date", "date"),
    ("audit of a day", "audit"),
    ("last nights", "nights"),
)
RUN_COLUMNS = ("run", "status", "run date", "due", "started", "by", "counts", "submitted")
EVENT_COLUMNS = ("at", "float", "user", "run", "outcome", "amount", "due", "payment", "reason")
AUDIT_COLUMNS = ("at", "actor", "action", "target", "reason")
PLACEHOLDERS = {
    "float": "float id, e.g. 1187",
    "user": "user id, e.g. 10004",
    "run": "run id, e.g. 20261123T000012Z-1a2b3c4d",
    "date": "run date: YYYY-MM-DD, today, yesterday",
    "audit": "day: YYYY-MM-DD, today (empty: today)",
    "nights": "how many nights (empty: 30)",
}
NIGHTS_DEFAULT = 30


def search_arguments(kind: str, text: str) -> dict[str, Any]:
    """The keyword arguments of jobs.oncall.history.find_history for one search; UsageError on bad input."""
    from jobs import clock
    from jobs.domain import calendar
    from jobs.errors import UsageError

    text = text.strip()
    if kind in ("float", "user"):
        if not text.isdigit():
            raise UsageError(f"a {kind} id is a number, not {text!r}")
        return {f"{kind}_id": int(text)}
    if kind == "run":
        if not text:
            raise UsageError("type a run id")
        return {"run_id": text}
    try:
        day = calendar.parse_run_date(text or "today", now=clock.now())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return {"day": day, "audit_only": kind == "audit"}


RESULT_MAX_HEIGHT = 16  # header, rows and border of one result table; beyond it the table scrolls


def fit_height(table: DataTable) -> None:
    """Size a result table to its rows, plus its header, its round border and the horizontal scrollbar
    a wide table needs, at most RESULT_MAX_HEIGHT.
    An explicit height: `height: auto` on a table filled in the same frame it is shown sometimes
    kept the height it had with no rows."""
    table.styles.height = min(table.row_count + 4, RESULT_MAX_HEIGHT)


class HistoryScreen(OperatorScreen):
    """`floatctl history` as a search box: the same jobs.oncall.history.find_history behind both."""

    TITLE_TEXT = "History"
    AUTO_FOCUS = "#history-results"
    BINDINGS = [
        Binding("slash", "focus_search", "Search", tooltip="Type a float, user, run id or date"),
        Binding("n", "nights", "Nights", tooltip="The runs of the last 30 nights, with a bar of amounts"),
    ]

    def compose(self) -> ComposeResult:
        yield EnvBanner(self.TITLE_TEXT)
        with Horizontal(id="history-controls"):
            yield Select(KINDS, value="float", allow_blank=False, id="history-kind")
            yield Input(placeholder=PLACEHOLDERS["float"], id="history-query")
        with VerticalScroll(id="history-results"):
            yield NightsChart(id="history-nights")
            yield KeyTable(id="history-runs", cursor_type="row")
            yield KeyTable(id="history-events", cursor_type="row", zebra_stripes=True)
            yield KeyTable(id="history-audit", cursor_type="row")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-runs", DataTable).border_title = "runs"
        self.query_one("#history-audit", DataTable).border_title = "audit"
        for table in self.query(DataTable):
            table.display = False
        self.query_one(NightsChart).display = False
        self.say("press / to search by float, user, run id or date (Enter runs it); n: the last 30 nights")

    def action_nights(self) -> None:
        self.query_one("#history-kind", Select).value = "nights"
        self.say("reading the last 30 nights…")
        self.load_nights(NIGHTS_DEFAULT)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def load_nights(self, last: int) -> None:
        from jobs import clock
        from jobs.domain import calendar
        from jobs.oncall.runs import recent_nights

        today = calendar.today_in_new_york(clock.now())
        self.post_message(RunsLoaded(recent_nights(self.runtime(), today, last)))

    def on_runs_loaded(self, message: RunsLoaded) -> None:
        from jobs.oncall.runs import NO_RUN

        nights = message.nights
        chart = self.query_one(NightsChart)
        chart.show(nights)
        runs = [run for night in nights for run in night.runs]
        for table in self.query(DataTable):  # shown before filled (see on_history_loaded)
            table.display = table.id == "history-runs" and bool(runs)
        chart.display = True
        self.fill_runs(runs)
        fit_height(self.query_one("#history-runs", DataTable))
        missed = sum(1 for night in nights if night.status == NO_RUN)
        self.say(f"last {len(nights)} nights: {len(runs)} runs, {missed} nights without a run")

    def action_focus_search(self) -> None:
        self.query_one("#history-query", Input).focus()

    @on(Select.Changed, "#history-kind")
    def kind_changed(self, event: Select.Changed) -> None:
        self.query_one("#history-query", Input).placeholder = PLACEHOLDERS[str(event.value)]

    @on(Input.Submitted, "#history-query")
    def search_submitted(self) -> None:
        kind = str(self.query_one("#history-kind", Select).value)
        text = self.query_one("#history-query", Input).value
        self.focus_main()  # as k9s: Enter hands the keys back to the results (q, j/k)
        if kind == "nights":
            if text.strip() and not text.strip().isdigit():
                self.query_one(MessageLine).error(f"a number of nights is a number, not {text.strip()!r}")
                return
            self.load_nights(int(text) if text.strip() else NIGHTS_DEFAULT)
            return
        self.say(f"searching by {kind} {text}…")
        self.search(kind, text)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def search(self, kind: str, text: str) -> None:
        from jobs.oncall.history import find_history

        arguments = search_arguments(kind, text)
        findings = find_history(self.runtime(), **arguments)
        self.post_message(HistoryLoaded(f"{kind} {text.strip() or 'today'}", findings))

    def fill_runs(self, records: list[Any]) -> None:
        fill_table(
            self.query_one("#history-runs", DataTable),
            RUN_COLUMNS,
            [
                (
                    r.run_id,
                    r.status,
                    str(r.run_date),
                    str(r.due_date),
                    moment(r.started_at),
                    r.started_by,
                    " ".join(f"{k}={v}" for k, v in sorted(r.counts.items())),
                    dollars(r.submitted_amount_cents),
                )
                for r in records
            ],
        )

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        found = message.findings
        runs = self.query_one("#history-runs", DataTable)
        events = self.query_one("#history-events", DataTable)
        audit = self.query_one("#history-audit", DataTable)
        self.query_one(NightsChart).display = False
        # Shown before they are filled: an auto-height table hidden while its rows arrive can keep
        # the height it had with none.
        runs.display, events.display, audit.display = bool(found.runs), bool(found.events), bool(found.audits)
        self.fill_runs(found.runs)
        fill_table(
            events,
            EVENT_COLUMNS,
            [
                (
                    moment(e.event_at),
                    str(e.float_id),
                    "-" if e.user_id is None else str(e.user_id),
                    e.run_id,
                    e.outcome,
                    dollars(e.amount_cents),
                    str(e.due_date),
                    e.payment_id or "",
                    e.reason,
                )
                for e in found.events
            ],
        )
        events.border_title = f"{len(found.events)} events"
        fill_table(
            audit,
            AUDIT_COLUMNS,
            [(moment(a.at), a.actor, a.action, a.target, a.reason) for a in found.audits],
        )
        for table in (runs, events, audit):
            fit_height(table)
        self.say(
            f"{message.query}: nothing recorded"
            if found.empty
            else f"{message.query}: {len(found.runs)} runs, {len(found.events)} events, {len(found.audits)} audit events"
        )

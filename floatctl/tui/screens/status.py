"""The home screen: the last fire and its run, the job lock, running tasks, the cutoff, and the advice."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static

from floatctl.tui.messages import StatusLoaded
from floatctl.tui.screens.base import OperatorScreen
from floatctl.tui.widgets.countdown import CutoffCountdown
from floatctl.tui.widgets.env_banner import EnvBanner
from floatctl.tui.widgets.facts import Facts
from floatctl.tui.widgets.message_line import MessageLine

REFRESH_EVERY_S = 30.0


class StatusScreen(OperatorScreen):
    """What `floatctl status` says, refreshed by itself, with a live countdown to the cutoff."""

    TITLE_TEXT = "Status"
    BINDINGS = [Binding("r", "refresh", "Refresh", tooltip="Read the schedule, runs, locks and tasks again")]

    def compose(self) -> ComposeResult:
        yield EnvBanner(self.TITLE_TEXT)
        with Vertical(id="status-body"):
            yield Static("reading the schedule, the run records, the job lock and the tasks…", id="advice")
            yield CutoffCountdown(id="countdown")
            yield Facts(id="status-facts")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()
        self.set_interval(REFRESH_EVERY_S, self.action_refresh)

    def action_refresh(self) -> None:
        self.load_status()

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def load_status(self) -> None:
        from jobs import clock
        from jobs.oncall.facts import gather
        from jobs.oncall.status import status_document, status_fields

        facts = gather(self.runtime(), clock.now())
        document = status_document(facts)
        self.post_message(StatusLoaded(facts, document, status_fields(facts, document)))

    def on_status_loaded(self, message: StatusLoaded) -> None:
        advice = self.query_one("#advice", Static)
        advice.update(message.document["advice"])
        calm = message.document["diagnosis"]["action"] == "nothing"
        advice.set_class(calm, "-calm")
        advice.set_class(not calm, "-act")
        if message.facts.focus_run_date:
            self.query_one(CutoffCountdown).follow(message.facts.focus_run_date)
        self.query_one("#status-facts", Facts).show(
            [(label, value) for label, value in message.fields if label != "to cutoff"]
        )

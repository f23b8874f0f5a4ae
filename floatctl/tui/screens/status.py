"""The home screen: the last fire and its run, the job lock, running tasks, the cutoff, and the advice."""

from __future__ import annotations

import os
from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from floatctl.tui.format import moment
from floatctl.tui.messages import StatusLoaded
from floatctl.tui.screens.base import OperatorScreen, refused_twin
from floatctl.tui.widgets.countdown import CutoffCountdown
from floatctl.tui.widgets.env_banner import EnvBanner
from floatctl.tui.widgets.facts import Facts
from floatctl.tui.widgets.message_line import MessageLine
from floatctl.tui.widgets.stale_note import StaleNote
from floatctl.tui.wording import tui_words

REFRESH_EVERY_S = 30.0
# The facts' own moments, shown in the app's one time format instead of the CLI's.
# label in jobs.oncall.status.status_fields -> the status document's ISO moment it shows
MOMENTS = {"now": "now", "its fire": "fire_at", "next fire": "next_fire"}


def shown_fields(message: StatusLoaded) -> list[tuple[str, str]]:
    """The status fields as the screen shows them: moments in the app's format, no `to cutoff` (the
    countdown says it, every second)."""
    document = message.document
    fields = [
        (
            label,
            moment(datetime.fromisoformat(document[MOMENTS[label]]))
            if document.get(MOMENTS.get(label))
            else value,
        )
        for label, value in message.fields
        if label != "to cutoff"
    ]
    logs = message.document.get("logs_url")
    return fields + ([("logs", logs)] if logs else [])


class StatusScreen(OperatorScreen):
    """What `floatctl status` says, refreshed by itself, with a live countdown to the cutoff."""

    TITLE_TEXT = "Status"
    AUTO_FOCUS = "#status-body"
    BINDINGS = [
        Binding("r", "refresh", "Refresh", tooltip="Read the schedule, runs, locks and tasks again"),
        Binding("p", "toggle_schedule", "Pause/Resume", tooltip="Pause or resume the schedule (asks why)"),
        refused_twin("p", "toggle_schedule"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facts = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_schedule":
            if not self.writable:
                return False  # hidden; the twin says why
            return True if self.facts is not None and self.facts.schedule is not None else None
        return True

    def why_not(self, action: str) -> str:
        if not self.writable:
            return "read-only: pausing or resuming the schedule is disabled (start floatctl tui with --allow-writes)"
        return "the schedule has not been read (yet): press r to read it again"

    def action_toggle_schedule(self) -> None:
        from floatctl.tui.screens.confirm_reason import ReasonScreen

        facts = self.facts
        if not self.writable or facts is None or facts.schedule is None:
            return
        verb = "resume" if facts.schedule.state != "ENABLED" else "pause"
        pairs = [
            ("schedule", f"{facts.schedule.name} {facts.schedule.expression} {facts.schedule.timezone}"),
            ("state", f"{facts.schedule.state} -> {'ENABLED' if verb == 'resume' else 'DISABLED'}"),
            ("next fire", moment(facts.next_fire)),
        ]
        note = (
            "While paused nothing fires by itself: this Status screen and floatctl status say so until it "
            "is resumed. Every other field of the schedule is sent back unchanged. Audited."
            if verb == "pause"
            else "The schedule fires again at its next time. Audited."
        )

        def decided(reason: str | None) -> None:
            if reason is None:
                self.say(f"{verb} cancelled; the schedule is unchanged")
            else:
                self.change_schedule(verb, reason)

        title = f"{verb.capitalize()} the schedule"
        self.app.push_screen(
            ReasonScreen(title, pairs, note, verb.capitalize(), self.operator_app.env, f"schedule.{verb}"),
            decided,
        )

    @work(thread=True, group="schedule", exit_on_error=False)
    def change_schedule(self, verb: str, reason: str) -> None:
        from jobs.oncall.schedule_control import set_schedule_state

        change = set_schedule_state(self.runtime(), verb, reason)
        self.app.call_from_thread(
            self.say,
            f"schedule {change.name}: {change.before} -> {change.after}; audited as {change.operator}"
            if change.changed
            else f"schedule {change.name} is already {change.after}; nothing changed",
        )
        self.app.call_from_thread(self.action_refresh)

    def compose(self) -> ComposeResult:
        yield EnvBanner(self.TITLE_TEXT)
        with VerticalScroll(id="status-body"):
            yield Static("", id="schedule-notice", markup=False)
            yield Static("reading the schedule, the run records, the job lock and the tasks…", id="advice")
            yield CutoffCountdown(id="countdown")
            yield Facts(id="status-facts")
            yield StaleNote(id="status-read")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#schedule-notice").display = False
        self.action_refresh()
        self.set_interval(REFRESH_EVERY_S, self.action_refresh)

    def action_refresh(self) -> None:
        self.load_status()

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def load_status(self) -> None:
        from jobs import clock
        from jobs.oncall.facts import gather
        from jobs.oncall.runs import run_logs_url
        from jobs.oncall.schedule_control import schedule_notice
        from jobs.oncall.status import status_document, status_fields

        runtime = self.runtime()
        facts = gather(runtime, clock.now())
        document = status_document(facts)
        document["logs_url"] = run_logs_url(runtime, facts.latest_run, os.environ)
        notice = schedule_notice(runtime, facts)
        self.post_message(StatusLoaded(facts, document, status_fields(facts, document), notice))

    def worker_failed(self, worker) -> None:
        from jobs import clock

        if worker.name != "load_status":
            return

        self.query_one(StaleNote).failed(clock.now())
        self.query_one("#status-facts").add_class("-stale")

    def on_status_loaded(self, message: StatusLoaded) -> None:
        self.facts = message.facts
        self.refresh_bindings()
        advice = self.query_one("#advice", Static)
        advice.update(tui_words(message.document["advice"]))
        calm = message.document["diagnosis"]["action"] == "nothing"
        advice.set_class(calm, "-calm")
        advice.set_class(not calm, "-act")
        notice = self.query_one("#schedule-notice", Static)
        notice.display = message.notice is not None
        if message.notice is not None:
            notice.update(tui_words(message.notice.text))
            notice.set_class(message.notice.paused, "-paused")
            notice.set_class(not message.notice.paused, "-resumed")
        if message.facts.focus_run_date:
            self.query_one(CutoffCountdown).follow(message.facts.focus_run_date)
        facts = self.query_one("#status-facts", Facts)
        facts.remove_class("-stale")
        facts.show(shown_fields(message))
        self.query_one(StaleNote).fresh(message.facts.now)

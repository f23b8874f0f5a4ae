"""A missed-fire recovery: the guards as a checklist, the exact RunTask request, confirm, follow to exit code."""

from __future__ import annotations

import time
from typing import Any

from rich.console import RenderableType
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Footer, Input, Label, Static
from textual.worker import get_current_worker

from floatctl.tui.messages import (
    LaunchNumbersLoaded,
    LaunchPlanned,
    RunStopped,
    StopPlanned,
    TaskFinished,
    TaskLaunched,
    TaskUpdated,
)
from floatctl.tui.screens.base import OperatorScreen, refused_twin
from floatctl.tui.screens.confirm_launch import ConfirmLaunchScreen, LaunchDecision
from floatctl.tui.widgets.checklist import Checklist
from floatctl.tui.widgets.env_banner import EnvBanner
from floatctl.tui.widgets.message_line import MessageLine
from floatctl.tui.widgets.relaunch import RelaunchPanel
from floatctl.tui.wording import tui_words

FOLLOW_POLL_S = 1.0
FOLLOW_TIMEOUT_S = 3 * 3600


class FollowStopped(Exception):
    """The app is quitting: stop polling the task (the task itself keeps running)."""


def render_request(request: dict[str, Any]) -> RenderableType:
    """The RunTask request exactly as it will be sent, as highlighted JSON."""
    from rich.json import JSON

    from floatctl.output import to_json

    return JSON(to_json(request))


def update_line(update: Any) -> str:
    """One observation of the followed task, worded as `launch --wait` words it."""
    counts = ", ".join(f"{k}={v}" for k, v in sorted((update.counts or {}).items()))
    line = f"task {update.last_status}" + (f"; run {update.run_status} {counts}" if update.run_status else "")
    if update.last_status == "STOPPED":
        line += f"; exit code {update.exit_code} ({update.stopped_reason})"
    return line


class LaunchScreen(OperatorScreen):
    """`floatctl launch day-before-ach` with the same plan (jobs.oncall.launch.plan_launch) and the same start."""

    TITLE_TEXT = "Launch"
    AUTO_FOCUS = "#launch-request"
    BINDINGS = [
        Binding("r", "recheck", "Re-check", tooltip="Run the launch guards again"),
        Binding("x", "launch", "Launch", tooltip="Launch day-before-ach for the run date (asks to confirm)"),
        refused_twin("x", "launch"),
        Binding("s", "stop", "Stop run", tooltip="Stop the running task through its drain (asks why)"),
        refused_twin("s", "stop"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plan: Any = None
        self.numbers: dict[str, Any] | None = None  # jobs.oncall.rerun.plan_relaunch of self.plan
        self.busy = False
        self.exit_code: int | None = None
        self.follow_lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield EnvBanner(self.TITLE_TEXT)
        with Horizontal(id="launch-form"):
            yield Label("run date", classes="form-label")
            yield Input(placeholder="YYYY-MM-DD", id="launch-date")
            yield Checkbox("after the 21:00 ET cutoff (finance agreed)", id="after-cutoff")
        yield Checklist(id="launch-checks")
        yield Static("", id="launch-verdict")
        yield RelaunchPanel("", id="launch-rerun")
        with VerticalScroll(id="launch-body"):
            with VerticalScroll(id="launch-request"):
                yield Static("", id="launch-request-json")
            yield Static("", id="launch-follow")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#launch-request").border_title = "RunTask request"
        self.query_one("#launch-follow").border_title = "task"
        # An empty date plans the night `floatctl launch` takes without --date: the facts' resolver
        # reads the schedule (as status does); on_launch_planned fills the box with it.
        self.action_recheck()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "launch":
            if not self.writable:
                return False  # hidden from the footer and the palette
            ready = self.plan is not None and self.plan.refusal() is None and not self.busy
            # Past the cutoff the confirm dialog shows what slips: wait for the numbers.
            ready = ready and (self.numbers is not None or not self.plan.late)
            return True if ready else None
        if action == "stop":
            if not self.writable:
                return False
            return True if self.plan is not None and self.plan.facts.running_tasks else None
        return True

    def why_not(self, action: str) -> str:
        if not self.writable:
            what = "launching" if action == "launch" else "stopping a run"
            return f"read-only: {what} is disabled (start floatctl tui with --allow-writes)"
        if self.plan is None:
            return "the guards are still being checked: wait for the checklist"
        if action == "stop":
            return "no task of the family is running: there is nothing to stop"
        if self.busy:
            return "a launch is being followed: wait for its exit code"
        refusal = self.plan.refusal()
        if refusal is None and self.plan.late and self.numbers is None:
            return "past the cutoff: wait for the numbers of what would slip"
        return tui_words(refusal.message) if refusal else "launch is not available now"

    def action_recheck(self) -> None:
        from jobs import clock
        from jobs.domain import calendar

        typed = self.query_one("#launch-date", Input).value.strip()
        try:
            run_date = calendar.parse_run_date(typed, now=clock.now()) if typed else None
        except ValueError as exc:
            self.query_one(MessageLine).error(str(exc))
            return
        self.plan = None
        self.numbers = None
        self.query_one(RelaunchPanel).show(None)
        self.refresh_bindings()
        self.query_one("#launch-verdict", Static).update("checking the guards…")
        self.plan_launch(run_date, self.query_one("#after-cutoff", Checkbox).value)

    @on(Input.Submitted, "#launch-date")
    @on(Checkbox.Changed, "#after-cutoff")
    def form_changed(self) -> None:
        if not self.busy:
            self.action_recheck()

    def action_launch(self) -> None:
        plan = self.plan
        if not self.writable or plan is None or plan.refusal() is not None or self.busy:
            return

        def decided(decision: LaunchDecision | None) -> None:
            if decision is not None:
                self.busy = True
                self.exit_code = None
                self.follow_lines = []
                self.refresh_bindings()
                self.query_one("#launch-follow", Static).update("checking the guards again, then starting…")
                self.launch_and_follow(plan, self.query_one("#after-cutoff", Checkbox).value, decision)
            else:
                self.say("launch cancelled; nothing was started")

        self.app.push_screen(ConfirmLaunchScreen(plan, self.operator_app.env, self.numbers), decided)

    def action_stop(self) -> None:
        from floatctl.tui.screens.confirm_reason import ReasonScreen

        plan = self.plan
        if not self.writable or plan is None or not plan.facts.running_tasks:
            return
        run = plan.facts.latest_run
        tasks = ", ".join(t.short_id for t in plan.facts.running_tasks)
        facts = [
            ("run", f"{run.run_id} {run.status}" if run else "none recorded"),
            ("tasks", tasks),
            ("run date", str(plan.facts.focus_run_date)),
        ]
        note = (
            "ECS StopTask sends SIGTERM: the run stops paging, finishes the floats in flight, releases its "
            "locks and writes INTERRUPTED; SIGKILL follows after the task's stopTimeout. Audited."
        )

        def decided(reason: str | None) -> None:
            if reason is None:
                self.say("stop cancelled; nothing was stopped")
                return
            self.query_one("#launch-follow", Static).update("StopTask sent; waiting for the drain…")
            self.stop_run(plan.run_date, reason)

        self.app.push_screen(
            ReasonScreen("Stop the running batch", facts, note, "Stop", self.operator_app.env, "stop"),
            decided,
        )

    @work(thread=True, exclusive=True, group="stop", exit_on_error=False)
    def stop_run(self, run_date: Any, reason: str) -> None:
        from jobs import clock
        from jobs.oncall.stop import plan_stop, stop_tasks, wait_stopped

        runtime = self.runtime()
        plan = plan_stop(runtime, clock.now(), run_date)
        self.post_message(StopPlanned(plan))
        stop_tasks(runtime, plan, reason)
        self.post_message(RunStopped(wait_stopped(runtime, plan, poll_s=FOLLOW_POLL_S), plan))

    def on_stop_planned(self, message: StopPlanned) -> None:
        self.say(f"stopping {', '.join(message.plan.task_arns)}")

    def on_run_stopped(self, message: RunStopped) -> None:
        from jobs import clock
        from jobs.oncall.stop import StopResult

        result: StopResult = message.result
        text = tui_words(result.sentence(message.plan, clock.now()))
        self.query_one("#launch-follow", Static).update(text)
        if result.ok:
            self.say(text)
        else:
            self.query_one(MessageLine).error(text)
        self.action_recheck()

    @work(thread=True, exclusive=True, group="launch-plan", exit_on_error=False)
    def plan_launch(self, run_date: Any, after_cutoff: bool) -> None:
        from jobs import clock
        from jobs.oncall.launch import plan_launch

        self.post_message(LaunchPlanned(plan_launch(self.runtime(), clock.now(), run_date, after_cutoff)))

    @work(thread=True, exclusive=True, group="launch-numbers", exit_on_error=False)
    def plan_numbers(self, plan: Any) -> None:
        from jobs.oncall.rerun import plan_relaunch

        runtime = self.runtime()
        numbers = plan_relaunch(runtime, runtime.settings, plan.run_date, plan.facts.now)
        self.post_message(LaunchNumbersLoaded(plan, numbers))

    def on_launch_numbers_loaded(self, message: LaunchNumbersLoaded) -> None:
        if message.plan is not self.plan:
            return  # planned again meanwhile: its own numbers follow
        self.numbers = message.numbers
        self.query_one(RelaunchPanel).show(message.numbers)
        self.refresh_bindings()

    @work(thread=True, group="launch", exit_on_error=False)
    def launch_and_follow(self, confirmed: Any, after_cutoff: bool, decision: LaunchDecision) -> None:
        from jobs import clock
        from jobs.errors import RefusedError
        from jobs.oncall.launch import follow_launch, plan_launch, start_launch

        worker = get_current_worker()

        def sleep(seconds: float) -> None:
            """Wait between polls; stop following (not the task) when the app quits."""
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if worker.is_cancelled:
                    raise FollowStopped
                time.sleep(0.05)

        runtime = self.runtime()
        # The confirmed plan may be minutes old: launch only if the guards still pass now and the
        # request is still the one the operator confirmed.
        plan = plan_launch(runtime, clock.now(), confirmed.run_date, after_cutoff)
        if plan.refusal() is None and plan.request != confirmed.request:
            raise RefusedError(
                "the RunTask request changed since you confirmed; nothing was started: look again"
            )
        task_arn = start_launch(runtime, plan, decision.reason, approved_by=decision.approved_by)
        self.post_message(TaskLaunched(task_arn))
        try:
            code = follow_launch(
                runtime,
                task_arn,
                plan.run_date,
                lambda update: self.post_message(TaskUpdated(update)),
                timeout_s=FOLLOW_TIMEOUT_S,
                poll_s=FOLLOW_POLL_S,
                sleep=sleep,
            )
        except FollowStopped:
            return
        self.post_message(TaskFinished(code))

    def worker_failed(self, worker: Any) -> None:
        if worker.name == "stop_run":
            self.action_recheck()
        if worker.name == "launch_and_follow":
            self.busy = False
            if not self.follow_lines:
                self.query_one("#launch-follow", Static).update("nothing was started")
            self.action_recheck()

    def on_launch_planned(self, message: LaunchPlanned) -> None:
        plan = self.plan = message.plan
        date_box = self.query_one("#launch-date", Input)
        if not date_box.value.strip():
            date_box.value = plan.run_date.isoformat()
        self.query_one(Checklist).show(plan.checks)
        if plan.only_late_refused():  # what the launch would submit (and past the cutoff, what slips)
            self.query_one(RelaunchPanel).computing()
            self.plan_numbers(plan)
        verdict = self.query_one("#launch-verdict", Static)
        refusal = plan.refusal()
        verdict.set_class(refusal is not None, "-refused")
        verdict.set_class(refusal is None and self.writable, "-ready")
        verdict.set_class(refusal is None and not self.writable, "-read-only")
        if refusal is not None:
            text = f"Refused: {plan.failed[0].name}. Nothing can be started (x says why)."
        elif not self.writable:
            text = "The guards pass. Read-only: launching is disabled (start with --allow-writes)."
        else:
            text = f"Ready: press x to launch run date {plan.run_date} (you confirm first)."
        if plan.facts.running_tasks and self.writable:
            text += " A task runs: press s to stop it."
        verdict.update(text)
        self.query_one("#launch-request-json", Static).update(render_request(plan.request))
        self.refresh_bindings()

    def on_task_launched(self, message: TaskLaunched) -> None:
        self.say(f"launched {message.task_arn}")
        self.follow_lines = [f"launched {message.task_arn}"]
        self.query_one("#launch-follow", Static).update("\n".join(self.follow_lines))

    def on_task_updated(self, message: TaskUpdated) -> None:
        self.follow_lines = [*self.follow_lines, update_line(message.update)][-6:]
        self.query_one("#launch-follow", Static).update("\n".join(self.follow_lines))

    def on_task_finished(self, message: TaskFinished) -> None:
        self.busy = False
        self.exit_code = message.exit_code
        follow = self.query_one("#launch-follow", Static)
        follow.set_class(message.exit_code == 0, "-succeeded")
        follow.set_class(message.exit_code != 0, "-failed")
        self.follow_lines = [*self.follow_lines, f"exit code {message.exit_code}"]
        follow.update("\n".join(self.follow_lines))
        self.say(f"the task stopped with exit code {message.exit_code}")
        self.action_recheck()

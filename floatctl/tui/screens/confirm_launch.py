"""The confirm modal of a launch: what will start, where, as whom, and what still warns."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from floatctl.tui.widgets.facts import Facts


class ConfirmLaunchScreen(ModalScreen[str | None]):
    """Dismisses with the reason to launch with, or None to leave everything as it is.

    Where jobs.oncall.policy requires a reason (prod), the dialog asks for one, as `--reason` does.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#launch-cancel"

    def __init__(self, plan: Any, env: str) -> None:
        from jobs.oncall.policy import reason_required

        super().__init__()
        self.plan = plan
        self.env = env
        self.reason_required = reason_required(env)

    def compose(self) -> ComposeResult:
        plan = self.plan
        window = plan.facts.focus_window
        prod = self.env == "prod"
        with Vertical(id="launch-dialog", classes="dialog"):
            yield Label(
                f"Launch day-before-ach in {'PRODUCTION' if prod else self.env}?",
                classes="dialog-title" + (" -prod" if prod else ""),
            )
            facts = Facts(id="launch-facts")
            facts.show(
                [
                    (
                        "run date",
                        f"{plan.run_date} (due {window.start}..{window.end})"
                        if window
                        else str(plan.run_date),
                    ),
                    ("task definition", plan.request["taskDefinition"].split("/")[-1]),
                    ("client token", plan.request["clientToken"]),
                    ("operator", plan.operator),
                ]
                + [(f"warning: {c.name}", c.detail) for c in plan.warnings]
            )
            yield facts
            if self.reason_required:
                yield Input(
                    placeholder="reason (required in prod; goes to the audit ledger)", id="launch-reason"
                )
                yield Static("", id="launch-reason-error", classes="dialog-error")
            yield Static(
                "ECS keeps the client token for 24 h: a second click cannot start a second task. "
                "The launch is written to the audit ledger.",
                classes="dialog-note",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Launch", variant="error", id="launch-confirm")
                yield Button("Cancel", id="launch-cancel")

    @on(Button.Pressed, "#launch-confirm")
    @on(Input.Submitted, "#launch-reason")
    def confirm(self) -> None:
        from jobs.errors import UsageError
        from jobs.oncall.policy import check_reason

        typed = self.query_one("#launch-reason", Input).value if self.reason_required else None
        try:
            reason = check_reason(self.env, typed, "launch by hand")
        except UsageError as exc:
            self.query_one("#launch-reason-error", Static).update(exc.message)
            return
        self.dismiss(reason or "manual launch")

    @on(Button.Pressed, "#launch-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

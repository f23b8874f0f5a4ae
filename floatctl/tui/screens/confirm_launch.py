"""The confirm modal of a launch: what will start, where, as whom, and what still warns."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from floatctl.tui.widgets.facts import Facts


class ConfirmLaunchScreen(ModalScreen[bool]):
    """Dismisses True to launch, False to leave everything as it is."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#launch-cancel"

    def __init__(self, plan: Any, env: str) -> None:
        super().__init__()
        self.plan = plan
        self.env = env

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
            yield Static(
                "ECS keeps the client token for 24 h: a second click cannot start a second task. "
                "The launch is written to the audit ledger.",
                classes="dialog-note",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Launch", variant="error", id="launch-confirm")
                yield Button("Cancel", id="launch-cancel")

    @on(Button.Pressed, "#launch-confirm")
    def confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#launch-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

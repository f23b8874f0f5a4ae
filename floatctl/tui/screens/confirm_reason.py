"""A confirm modal that asks why: stopping a run, pausing or resuming the schedule."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from floatctl.tui.widgets.facts import Facts


class ReasonScreen(ModalScreen[str | None]):
    """Dismisses with the reason typed (jobs.oncall.policy.check_reason for `action`), or None on cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#reason-input"

    def __init__(
        self, title: str, facts: Sequence[tuple[str, str]], note: str, verb: str, env: str, action: str
    ) -> None:
        super().__init__()
        self.action = action  # jobs.oncall.policy.ACTIONS: whose reason rule applies
        self.title_text = title
        self.facts = list(facts)
        self.note = note
        self.verb = verb
        self.env = env

    def compose(self) -> ComposeResult:
        prod = self.env == "prod"
        with Vertical(id="reason-dialog", classes="dialog"):
            yield Label(
                f"{self.title_text} in {'PRODUCTION' if prod else self.env}?",
                id="reason-title",
                classes="dialog-title" + (" -prod" if prod else ""),
            )
            facts = Facts(id="reason-facts")
            facts.show(self.facts)
            yield facts
            yield Static(self.note, classes="dialog-note")
            yield Input(placeholder="reason (goes to the audit ledger)", id="reason-input")
            yield Static("", id="reason-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.verb, variant="error", id="reason-confirm")
                yield Button("Cancel", id="reason-cancel")

    @on(Button.Pressed, "#reason-confirm")
    @on(Input.Submitted, "#reason-input")
    def confirm(self) -> None:
        from floatctl.tui.wording import tui_words
        from jobs.errors import UsageError
        from jobs.oncall.policy import check_reason

        try:
            reason = check_reason(self.env, self.action, self.query_one("#reason-input", Input).value)
        except UsageError as exc:
            self.query_one("#reason-error", Static).update(tui_words(exc.message))
            self.query_one("#reason-input", Input).focus()  # so the next keys type the reason
            return
        self.dismiss(reason or "")

    @on(Button.Pressed, "#reason-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

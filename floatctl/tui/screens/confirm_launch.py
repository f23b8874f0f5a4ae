"""The confirm modal of a launch: what will start, where, as whom, what still warns, and past the
cutoff what slips; it asks for what jobs.oncall.policy requires (a reason in prod, an approver for a
late launch in prod), as `--reason` and `--approved-by` do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from floatctl.tui.widgets.facts import Facts


@dataclass(frozen=True)
class LaunchDecision:
    """The operator's confirmed launch: why (None where not required and not given), and who approved."""

    reason: str | None
    approved_by: str | None = None


class ConfirmLaunchScreen(ModalScreen[LaunchDecision | None]):
    """Dismisses with the decision, or None to leave everything as it is. jobs.oncall.launch applies
    the same policy again when it starts the task."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#launch-cancel"

    def __init__(self, plan: Any, env: str, numbers: dict[str, Any] | None = None) -> None:
        from jobs.oncall.policy import approval_required, reason_required

        super().__init__()
        self.plan = plan
        self.env = env
        self.numbers = numbers
        self.reason_required = reason_required(env, "launch")
        self.approval_required = approval_required(env, plan.late)

    def _facts(self) -> list[tuple[str, str]]:
        from floatctl.tui.widgets.relaunch import late_line, rerun_lines

        plan = self.plan
        window = plan.facts.focus_window
        pairs = [
            (
                "run date",
                f"{plan.run_date} (due {window.start}..{window.end})" if window else str(plan.run_date),
            ),
            ("task definition", plan.request["taskDefinition"].split("/")[-1]),
            ("client token", plan.request["clientToken"]),
            ("operator", plan.operator),
        ]
        pairs += [(f"warning: {c.name}", c.detail) for c in plan.warnings]
        if self.numbers is not None:
            pairs.append(("relaunch", rerun_lines(self.numbers["rerun"])[0]))
            if self.numbers.get("late"):
                pairs.append(("late", late_line(self.numbers["late"])))
        return pairs

    def compose(self) -> ComposeResult:
        prod = self.env == "prod"
        with Vertical(id="launch-dialog", classes="dialog"):
            yield Label(
                f"Launch day-before-ach in {'PRODUCTION' if prod else self.env}?",
                classes="dialog-title" + (" -prod" if prod else ""),
            )
            facts = Facts(id="launch-facts")
            facts.show(self._facts())
            yield facts
            if self.reason_required:
                yield Input(
                    placeholder="reason (required in prod; goes to the audit ledger)", id="launch-reason"
                )
            if self.approval_required:
                yield Input(
                    placeholder="approved by (who in finance agreed to the late settlement; audited)",
                    id="launch-approver",
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

    def _typed(self, selector: str, asked: bool) -> str | None:
        return self.query_one(selector, Input).value if asked else None

    @on(Button.Pressed, "#launch-confirm")
    @on(Input.Submitted, "#launch-reason")
    @on(Input.Submitted, "#launch-approver")
    def confirm(self) -> None:
        from floatctl.tui.wording import tui_words
        from jobs.errors import UsageError
        from jobs.oncall.policy import check_approval, check_reason

        try:
            reason = check_reason(self.env, "launch", self._typed("#launch-reason", self.reason_required))
            approved_by = check_approval(
                self.env, self._typed("#launch-approver", self.approval_required), self.plan.late
            )
        except UsageError as exc:
            self.query_one("#launch-reason-error", Static).update(tui_words(exc.message))
            return
        self.dismiss(LaunchDecision(reason, approved_by))

    @on(Button.Pressed, "#launch-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

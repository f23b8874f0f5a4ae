"""The confirm modal of a lock release: shows the lock as the operator saw it and asks for a reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from floatctl.tui.format import coarse
from floatctl.tui.widgets.facts import Facts


@dataclass(frozen=True)
class LockRelease:
    """The operator's confirmed decision: why, and whether to release a live lease anyway."""

    reason: str
    force: bool = False


class ReleaseLockScreen(ModalScreen[LockRelease | None]):
    """Dismisses with the decision, or None when cancelled. The delete is conditional on the rvn shown."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "#release-reason"

    def __init__(self, view: Any, now: float, env: str) -> None:
        super().__init__()
        self.view = view
        self.now = now
        self.env = env

    def _layout(self) -> list[tuple[str, str]]:
        """A sharded job lock: its layout and every shard in it (releasing deletes them all)."""
        if self.view.lease.shard_count == 1:
            return []
        return [("layout", f"{self.view.layout}; releasing deletes the whole layout")] + [
            (f"shard {m.member.index}", f"{m.state} on {m.member.owner_task} (owner is {m.owner_state})")
            for m in self.view.members
        ]

    def compose(self) -> ComposeResult:
        lease = self.view.lease
        left = lease.lease_expires_at - self.now
        with Vertical(id="release-dialog", classes="dialog"):
            yield Label(
                f"Release {lease.namespace}/{lease.lock_key} in {'PRODUCTION' if self.env == 'prod' else self.env}?",
                id="release-title",
                classes="dialog-title" + (" -prod" if self.env == "prod" else ""),
            )
            facts = Facts(id="release-facts")
            facts.show(
                [
                    ("state", f"{self.view.state} (owner is {self.view.owner_state})"),
                    ("owner", lease.owner),
                    ("owner task", lease.owner_task),
                    ("lease left", "expired" if left <= 0 else coarse(left)),
                    ("rvn", lease.rvn),
                ]
                + self._layout()
            )
            yield facts
            yield Static(
                "The delete is conditional on this rvn: if the lock changed since, nothing is released. "
                "Releasing never makes a payment unsafe; it can let two runs do the same work.",
                classes="dialog-note",
            )
            yield Input(placeholder="reason (goes to the audit ledger)", id="release-reason")
            if self.view.state == "live":
                yield Checkbox("force: the lease is live and I know its owner is gone", id="release-force")
            yield Static("", id="release-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Release", variant="error", id="release-confirm")
                yield Button("Cancel", id="release-cancel")

    @on(Button.Pressed, "#release-confirm")
    @on(Input.Submitted, "#release-reason")
    def confirm(self) -> None:
        from floatctl.tui.wording import tui_words
        from jobs.errors import UsageError
        from jobs.oncall.policy import check_reason

        try:
            reason = check_reason(self.env, "lock.release", self.query_one("#release-reason", Input).value)
        except UsageError as exc:
            self.query_one("#release-error", Static).update(tui_words(exc.message))
            return
        force = bool(self.query("#release-force")) and self.query_one("#release-force", Checkbox).value
        self.dismiss(LockRelease(reason or "", force))

    @on(Button.Pressed, "#release-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

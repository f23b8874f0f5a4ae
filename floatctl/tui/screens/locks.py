"""The locks of both namespaces with their state; release one through a confirm modal that asks why."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, Static

from floatctl.tui.format import coarse
from floatctl.tui.messages import LockReleased, LocksLoaded
from floatctl.tui.screens.base import OperatorScreen, refused_twin
from floatctl.tui.screens.release_lock import LockRelease, ReleaseLockScreen
from floatctl.tui.widgets.env_banner import EnvBanner
from floatctl.tui.widgets.key_table import KeyTable
from floatctl.tui.widgets.message_line import MessageLine
from floatctl.tui.widgets.stale_note import StaleNote
from floatctl.tui.widgets.tables import fill_table

COLUMNS = ("namespace", "key", "state", "owner", "owner task", "owner is", "age", "lease left")
STATE_STYLES = {"live": "green", "expired": "yellow", "orphaned": "bold red"}


def shard_note(view: Any) -> str:
    """A sharded job lock's layout beside its state (it is judged by every shard in it now)."""
    lease = view.lease
    return f" ({len(view.members)} of {lease.shard_count} shards)" if lease.shard_count > 1 else ""


def lock_matches(view: Any, text: str) -> bool:
    """The `/` filter: every word must appear in the namespace, key, state, owner or owner task."""
    lease = view.lease
    haystack = f"{lease.namespace} {lease.lock_key} {view.state} {lease.owner} {lease.owner_task}".lower()
    return all(word in haystack for word in text.lower().split())


def lease_left(view: Any, now: float) -> str:
    left = view.lease.lease_expires_at - now
    return "expired" if left <= 0 else coarse(left)


class LocksScreen(OperatorScreen):
    """`floatctl locks list` and `locks release`, with the same guards (one copy, in jobs.oncall.locks)."""

    TITLE_TEXT = "Locks"
    AUTO_FOCUS = "#locks-table"
    BINDINGS = [
        Binding("r", "refresh", "Refresh", tooltip="Read the locks again"),
        Binding("x", "release", "Release", tooltip="Release the highlighted lock (asks for a reason)"),
        refused_twin("x", "release"),
        Binding("slash", "focus_filter", "Filter", tooltip="Filter the locks by key, owner or state"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.all_views: list[Any] = []
        self.views: list[Any] = []  # the rows shown, in table order
        self.now = 0.0

    def compose(self) -> ComposeResult:
        yield EnvBanner(self.TITLE_TEXT)
        yield Input(placeholder="/ filter: key, owner, state", id="locks-filter", classes="filter")
        yield KeyTable(id="locks-table", cursor_type="row", zebra_stripes=True)
        yield StaleNote(id="locks-read")
        yield Static(id="locks-hint")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        fill_table(self.query_one(KeyTable), COLUMNS, [])
        self.query_one("#locks-hint", Static).update(
            "live: leave it or let it expire · expired: free for the next acquire · "
            "orphaned: its owner is provably dead"
            + ("" if self.writable else " · read-only: releasing is disabled (start with --allow-writes)")
        )
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "release":
            if not self.writable:
                return False  # hidden from the footer and the palette; the twin says why
            return True if self.selected() is not None else None
        return True

    def why_not(self, action: str) -> str:
        if not self.writable:
            return "read-only: releasing a lock is disabled (start floatctl tui with --allow-writes)"
        return "no lock is highlighted: there is nothing to release"

    def action_focus_filter(self) -> None:
        self.query_one("#locks-filter", Input).focus()

    @on(Input.Changed, "#locks-filter")
    def filter_changed(self) -> None:
        self.show_locks()

    @on(Input.Submitted, "#locks-filter")
    def filter_entered(self) -> None:
        self.focus_main()  # the filter stays; Esc clears it

    def action_refresh(self) -> None:
        self.load_locks()

    def selected(self) -> Any | None:
        table = self.query_one(KeyTable)
        if not self.views or table.cursor_row < 0 or table.cursor_row >= len(self.views):
            return None
        return self.views[table.cursor_row]

    def action_release(self) -> None:
        view = self.selected()
        if not self.writable or view is None:
            return

        def decided(decision: LockRelease | None) -> None:
            if decision is None:
                self.say("release cancelled; nothing changed")
            else:
                self.release(view, decision)

        self.app.push_screen(ReleaseLockScreen(view, self.now, self.operator_app.env), decided)

    @work(thread=True, exclusive=True, group="locks", exit_on_error=False)
    def load_locks(self) -> None:
        from jobs.oncall.locks import LOCK_NAMESPACES, lock_views

        now = time.time()
        self.post_message(LocksLoaded(lock_views(self.runtime(), LOCK_NAMESPACES, now), now))

    @work(thread=True, group="release", exit_on_error=False)
    def release(self, view: Any, decision: LockRelease) -> None:
        from jobs.oncall.locks import check_release, release_lock

        runtime = self.runtime()
        lease = view.lease
        now = time.time()
        checked = check_release(runtime, lease.namespace, lease.lock_key, lease.rvn, decision.force, now)
        operator = runtime.operator()
        release_lock(runtime, checked, decision.reason, operator, now)
        self.post_message(LockReleased(f"{lease.namespace}/{lease.lock_key}", checked.state, operator))

    def worker_failed(self, worker: Any) -> None:
        if worker.name == "release":
            self.load_locks()
        elif worker.name == "load_locks":
            from jobs import clock

            self.query_one(StaleNote).failed(clock.now())

    def on_lock_released(self, message: LockReleased) -> None:
        self.say(f"released {message.target} (was {message.was_state}); audited as {message.operator}")
        self.load_locks()

    def on_locks_loaded(self, message: LocksLoaded) -> None:
        from jobs import clock

        self.all_views, self.now = message.views, message.now
        self.query_one(StaleNote).fresh(clock.now())
        self.show_locks()

    def show_locks(self) -> None:
        """The locks that pass the filter (no I/O)."""
        text = self.query_one("#locks-filter", Input).value
        self.views = [view for view in self.all_views if lock_matches(view, text)]
        table = self.query_one(KeyTable)
        fill_table(
            table,
            COLUMNS,
            [
                (
                    view.lease.namespace,
                    view.lease.lock_key,
                    Text(view.state + shard_note(view), style=STATE_STYLES.get(view.state, "")),
                    view.lease.owner,
                    view.lease.owner_task,
                    view.owner_state,
                    coarse(self.now - view.lease.acquired_at),
                    lease_left(view, self.now),
                )
                for view in self.views
            ],
            keys=[f"{v.lease.namespace}/{v.lease.lock_key}" for v in self.views],
        )
        shown = len(self.views)
        count = len(self.all_views)
        table.border_title = f"{count} lock{'' if count == 1 else 's'}" + (
            f", {shown} shown" if shown != count else ""
        )
        self.refresh_bindings()

"""One history search over collection-history and the audit ledger: `floatctl history` and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jobs.domain import calendar
from jobs.domain.records import RunRecord
from jobs.oncall.ports import OncallRuntime


@dataclass
class HistoryFindings:
    """What a history search found: run records, float events (newest first) and audit events."""

    runs: list[RunRecord] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    audits: list[Any] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.runs or self.events or self.audits)


def find_history(
    runtime: OncallRuntime,
    *,
    float_id: int | None = None,
    user_id: int | None = None,
    run_id: str | None = None,
    day: date | None = None,
    audit_only: bool = False,
) -> HistoryFindings:
    """One history search: the audit ledger of `day`, a float's or a user's events, a run's record and
    events, or a run date's runs with their events and that day's audit."""
    from jobs.domain.records import FloatEvent
    from jobs.errors import FloatctlError

    store = runtime.history()
    found = HistoryFindings()
    if audit_only:
        found.audits = runtime.audit().on(day or calendar.today_in_new_york())
    elif float_id is not None:
        found.events = store.float_events(float_id)
    elif user_id is not None:
        found.events = store.by_user_id(user_id)
    elif run_id is not None:
        items = store.by_run_id(run_id)
        if not items:
            raise FloatctlError(
                f"no run {run_id!r} in {runtime.settings.env}",
                hint="run ids look like 20261123T000012Z-1a2b3c4d",
            )
        found.runs = [RunRecord.from_item(i) for i in items if i.get("kind") == "run"]
        found.events = [FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event"]
    elif day is not None:
        found.runs = store.runs(calendar.due_window(day).end)
        for run in found.runs:
            found.events.extend(
                FloatEvent.from_item(i) for i in store.by_run_id(run.run_id) if i.get("kind") == "float_event"
            )
        found.events.sort(key=lambda e: e.event_at, reverse=True)
        found.audits = runtime.audit().on(day)
    return found

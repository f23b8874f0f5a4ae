"""Pause and resume the 19:00 schedule, audited, and the notice `status` and the TUI show about it.

The schedule itself is read and changed by jobs.adapters.scheduler.ScheduleClient (UpdateSchedule is a
full replace: every other field is sent back as GetSchedule gave it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobs.domain import calendar
from jobs.errors import DependencyError, UsageError
from jobs.oncall import commands
from jobs.oncall.ports import OncallRuntime

if TYPE_CHECKING:
    from jobs.adapters.audit import AuditEvent
    from jobs.oncall.facts import Facts

PAUSE, RESUME = "schedule.pause", "schedule.resume"
STATES = {"pause": "DISABLED", "resume": "ENABLED"}
NOTICE_LOOKBACK_DAYS = 7  # how far back the audit ledger is read for who paused it, and why


@dataclass(frozen=True)
class ScheduleChange:
    """What a pause or resume did: the state before and after (equal when nothing changed)."""

    name: str
    before: str
    after: str
    operator: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class ScheduleNotice:
    """The loud line `status` and the TUI show while the schedule is paused, or on the day it resumed."""

    paused: bool
    text: str
    actor: str | None = None
    reason: str | None = None
    at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "paused": self.paused,
            "text": self.text,
            "actor": self.actor,
            "reason": self.reason,
            "at": self.at.isoformat() if self.at else None,
        }


def set_schedule_state(runtime: OncallRuntime, verb: str, reason: str) -> ScheduleChange:
    """Pause (`DISABLED`) or resume (`ENABLED`) the schedule and write the audit event; a schedule
    already in that state is left alone and nothing is audited."""
    from jobs.adapters.audit import AuditEvent

    if verb not in STATES:
        raise UsageError(f"{verb!r} is not pause or resume")
    from jobs.oncall.policy import check_reason

    settings = runtime.settings
    reason = check_reason(settings.env, f"schedule.{verb}", reason) or ""
    schedule = runtime.schedule()
    current = schedule.read()  # a missing schedule: its one-line ConfigError
    state = STATES[verb]
    operator = runtime.operator()
    change = ScheduleChange(settings.schedule_name, current.state, state, operator)
    if not change.changed:
        return change
    with runtime.operator_span(f"schedule.{verb}", schedule=settings.schedule_name):
        try:
            schedule.set_state(state)
        except DependencyError as exc:
            raise DependencyError(f"{exc.message}; the schedule is still {change.before}") from None
        runtime.audit().record(
            AuditEvent(
                actor=operator,
                action=PAUSE if verb == "pause" else RESUME,
                target=f"schedule {settings.schedule_name}",
                reason=reason,
                before={"state": change.before},
                after={"state": state},
            )
        )
    return change


def last_schedule_change(
    runtime: OncallRuntime, now: datetime, days: int = NOTICE_LOOKBACK_DAYS
) -> AuditEvent | None:
    """The newest pause or resume in the audit ledger of the last `days` New York days, or None."""
    audit = runtime.audit()
    today = calendar.today_in_new_york(now)
    for back in range(days):
        events = [e for e in audit.on(today - timedelta(days=back)) if e.action in (PAUSE, RESUME)]
        if events:
            return max(events, key=lambda e: e.at)
    return None


def schedule_notice(runtime: OncallRuntime, facts: Facts) -> ScheduleNotice | None:
    """The pause notice while the schedule is not ENABLED; the resume notice on the New York day it was
    resumed; None otherwise (and when the schedule cannot be read: the advice says so)."""
    from jobs.domain.records import utc_now
    from jobs.oncall.status import ny_time

    schedule = facts.schedule
    if schedule is None:
        return None
    # The audit ledger is written on the real clock (a rehearsal's FLOATCTL_NOW never reaches it),
    # so it is read on the real clock too.
    now = utc_now()
    last = last_schedule_change(runtime, now)
    if schedule.state != "ENABLED":
        who = (
            f" since {ny_time(last.at)} by {last.actor}: {last.reason}"
            if last is not None and last.action == PAUSE
            else f" (no pause in the audit ledger of the last {NOTICE_LOOKBACK_DAYS} days)"
        )
        text = (
            f"SCHEDULE PAUSED ({schedule.state}){who}. Nothing fires by itself until it is resumed: "
            f"{commands.schedule_resume(facts.env)}, or launch by hand."
        )
        paused_by = last if last is not None and last.action == PAUSE else None
        return ScheduleNotice(
            True,
            text,
            paused_by.actor if paused_by else None,
            paused_by.reason if paused_by else None,
            paused_by.at if paused_by else None,
        )
    if (
        last is not None
        and last.action == RESUME
        and last.at.astimezone(calendar.NEW_YORK).date() == calendar.today_in_new_york(now)
    ):
        text = (
            f"Schedule resumed {ny_time(last.at)} by {last.actor}: {last.reason}. "
            f"The next fire is {ny_time(facts.next_fire)}."
        )
        return ScheduleNotice(False, text, last.actor, last.reason, last.at)
    return None

"""Why a run date's window is what it is: weekends, Fed holidays, the Saturday-holiday rule, DST.

For `floatctl calendar explain|next`: the reasoning an engineer or finance would otherwise do by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from jobs.domain import calendar

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Explanation:
    """One run date, explained."""

    run_date: date
    business_day: bool
    holiday: str | None
    window_start: date
    window_end: date
    skipped: list[tuple[date, str]]  # days inside the window that are not business days, and why
    fires: bool  # the schedule fires MON-FRI, holidays included
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        fire, cutoff = calendar.fire_at(self.run_date), calendar.cutoff_at(self.run_date)
        return {
            "run_date": self.run_date.isoformat(),
            "weekday": self.run_date.strftime("%A"),
            "business_day": self.business_day,
            "holiday": self.holiday,
            "schedule_fires": self.fires,
            "due_window": {
                "start": self.window_start.isoformat(),
                "end": self.window_end.isoformat(),
                "days": (self.window_end - self.window_start).days + 1,
            },
            "skipped": [{"date": d.isoformat(), "why": why} for d, why in self.skipped],
            "fire_at": {"new_york": fire.isoformat(), "utc": fire.astimezone(UTC).isoformat()},
            "cutoff_at": {"new_york": cutoff.isoformat(), "utc": cutoff.astimezone(UTC).isoformat()},
            "notes": self.notes,
            "tricky": bool(self.notes),
        }


def _why_not_business(d: date) -> str:
    name = calendar.holiday_name(d)
    if d.weekday() >= 5:
        return f"{d:%A}" + (
            f" ({name}, not observed on a weekday: the Fed does not move Saturday holidays)"
            if name and d.weekday() == 5
            else f" ({name})"
            if name
            else ""
        )
    return f"Fed holiday: {name}"


def explain(run_date: date) -> Explanation:
    """The window of `run_date` and every reason behind it."""
    window = calendar.due_window(run_date)
    skipped = [(d, _why_not_business(d)) for d in window.days() if not calendar.is_business_day(d)]
    business = calendar.is_business_day(run_date)
    holiday = calendar.holiday_name(run_date)
    fires = run_date.weekday() < 5
    notes = []
    if fires and not business:
        notes.append(
            f"the schedule fires on {holiday or 'this holiday'} too; its floats were taken by the "
            f"{calendar.previous_business_day(run_date)} run, so this run should find them already submitted"
        )
    holidays_inside = [(d, why) for d, why in skipped if why.startswith("Fed holiday")]
    if holidays_inside:
        notes.append(
            "the window reaches past a Fed holiday: "
            + ", ".join(f"{d} {why[13:]}" for d, why in holidays_inside)
        )
    for d in (window.start - DAY, *window.days()):
        name = calendar.holiday_name(d)
        if name and d.weekday() == 5:
            notes.append(f"{d} ({name}) falls on a Saturday: the Fed does not observe it on Friday or Monday")
    if (window.end - window.start).days + 1 >= 4:
        notes.append(f"a long window: {(window.end - window.start).days + 1} due dates in one run")
    previous_fire = run_date - DAY
    while previous_fire.weekday() >= 5:
        previous_fire -= DAY
    if calendar.fire_at(run_date).utcoffset() != calendar.fire_at(previous_fire).utcoffset():
        notes.append("clocks changed since the last fire: 19:00 ET is a different UTC hour tonight")
    return Explanation(run_date, business, holiday, window.start, window.end, skipped, fires, notes)


def upcoming(start: date, count: int) -> list[Explanation]:
    """The next `count` dates the schedule fires on (Mon–Fri, holidays included), from `start`."""
    dates: list[Explanation] = []
    d = start
    while len(dates) < count:
        if d.weekday() < 5:
            dates.append(explain(d))
        d += DAY
    return dates

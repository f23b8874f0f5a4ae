"""The EventBridge Scheduler schedule: what it says, and when it fires.

Only the cron forms this job uses are understood (fixed minutes and hours, `?`/`*` day of month,
`*` month, day-of-week names or ranges, `*` year); anything else reports its fire times as unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_CRON = re.compile(r"^cron\((.+)\)$")


@dataclass(frozen=True)
class Cron:
    """A parsed AWS cron expression of the supported form."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    weekdays: frozenset[int]  # Monday = 0

    def fires_on(self, day: date) -> bool:
        return day.weekday() in self.weekdays

    def fire_times(self, day: date, tz: ZoneInfo) -> list[datetime]:
        if not self.fires_on(day):
            return []
        return [
            datetime(day.year, day.month, day.day, h, m, tzinfo=tz) for h in self.hours for m in self.minutes
        ]


def _numbers(field: str, low: int, high: int) -> tuple[int, ...]:
    values = sorted({int(v) for v in field.split(",")})
    if not values or any(v < low or v > high for v in values):
        raise ValueError(field)
    return tuple(values)


def _weekdays(field: str) -> frozenset[int]:
    if field in ("*", "?"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in field.split(","):
        if "-" in part:
            first, last = (DAYS.index(p) for p in part.split("-"))
            days.update(range(first, last + 1))
        else:
            days.add(DAYS.index(part))
    return frozenset(days)


def parse_cron(expression: str) -> Cron | None:
    """The Cron for a supported expression, or None."""
    match = _CRON.match(expression.strip())
    if not match:
        return None
    fields = match.group(1).split()
    if len(fields) != 6:
        return None
    minute, hour, dom, month, dow, year = fields
    if dom not in ("?", "*") or month != "*" or year != "*":
        return None
    try:
        return Cron(_numbers(minute, 0, 59), _numbers(hour, 0, 23), _weekdays(dow.upper()))
    except ValueError:
        return None


@dataclass(frozen=True)
class Schedule:
    """What matters of the schedule for the on-call engineer and for a manual launch."""

    name: str
    expression: str
    timezone: str
    state: str
    retry_attempts: int | None
    target: dict[str, Any]

    @property
    def cron(self) -> Cron | None:
        return parse_cron(self.expression)

    @property
    def dead_letter_arn(self) -> str | None:
        """The target's dead-letter queue (where a fire that could not start the task goes), if set."""
        return (self.target.get("DeadLetterConfig") or {}).get("Arn")

    @property
    def task_definition_arn(self) -> str:
        """The task definition the target starts (a family, or a family and revision), or ""."""
        return (self.target.get("EcsParameters") or {}).get("TaskDefinitionArn", "")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")

    def next_fire(self, now: datetime) -> datetime | None:
        """The first fire strictly after `now`."""
        cron = self.cron
        if cron is None:
            return None
        local = now.astimezone(self.tz)
        for offset in range(0, 15):
            for fire in cron.fire_times(local.date() + timedelta(days=offset), self.tz):
                if fire > local:
                    return fire
        return None

    def last_fire(self, now: datetime) -> datetime | None:
        """The most recent fire at or before `now`."""
        cron = self.cron
        if cron is None:
            return None
        local = now.astimezone(self.tz)
        for offset in range(0, 15):
            for fire in reversed(cron.fire_times(local.date() - timedelta(days=offset), self.tz)):
                if fire <= local:
                    return fire
        return None


@dataclass(frozen=True)
class FireFailure:
    """A dead-letter event of the schedule: a fire that could not start the task."""

    sent_at: datetime
    error_code: str
    error_message: str
    message_id: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "sent_at": self.sent_at.isoformat(),
            "error_code": self.error_code,
            "error_message": self.error_message,
            "message_id": self.message_id,
        }

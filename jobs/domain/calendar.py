"""The batch's business calendar: Federal Reserve business days, due windows and run times in New York.

Holidays come from the ``holidays`` package's XFED calendar, which already follows the Fed's rule: a
holiday on Sunday is observed the Monday after, one on Saturday is not moved (the Friday before stays
a business day). Checked against holidays 0.109 for 2021-2028; no correction is applied here.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

NEW_YORK = ZoneInfo("America/New_York")

#: When the nightly run starts, New York time.
FIRE_TIME = time(19, 0)

#: The ACH submission cutoff, New York time.
CUTOFF_TIME = time(21, 0)

_ONE_DAY = timedelta(days=1)
_RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@functools.cache
def _observed_holidays(year: int) -> Mapping[date, str]:
    """The Fed's observed holidays dated in ``year`` (built with its neighbours, should one move across)."""
    calendar = holidays.financial_holidays("XFED", years=range(year - 1, year + 2))
    return {day: name for day, name in calendar.items() if day.year == year}


def holiday_name(d: date) -> str | None:
    """The name of the Federal Reserve holiday observed on ``d``, or None."""
    return _observed_holidays(d.year).get(d)


def is_business_day(d: date) -> bool:
    """Whether ``d`` is a weekday on which the Federal Reserve is open."""
    return d.weekday() < 5 and d not in _observed_holidays(d.year)


def next_business_day(d: date) -> date:
    """The first business day strictly after ``d``."""
    candidate = d + _ONE_DAY
    while not is_business_day(candidate):
        candidate += _ONE_DAY
    return candidate


def previous_business_day(d: date) -> date:
    """The last business day strictly before ``d``."""
    candidate = d - _ONE_DAY
    while not is_business_day(candidate):
        candidate -= _ONE_DAY
    return candidate


@dataclass(frozen=True)
class DueWindow:
    """The due dates one run collects: (run_date, end], i.e. ``start`` through ``end`` inclusive."""

    run_date: date
    start: date
    end: date

    def contains(self, d: date) -> bool:
        """Whether a float due on ``d`` belongs to this run."""
        return self.start <= d <= self.end

    def days(self) -> list[date]:
        """Every date in the window, oldest first."""
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]


def due_window(run_date: date) -> DueWindow:
    """The window of due dates for a run on ``run_date``: the day after it through the next business day."""
    return DueWindow(run_date=run_date, start=run_date + _ONE_DAY, end=next_business_day(run_date))


def fire_at(run_date: date) -> datetime:
    """When the run for ``run_date`` starts, as an aware New York datetime."""
    return datetime.combine(run_date, FIRE_TIME, tzinfo=NEW_YORK)


def cutoff_at(run_date: date) -> datetime:
    """The submission cutoff for ``run_date``, as an aware New York datetime."""
    return datetime.combine(run_date, CUTOFF_TIME, tzinfo=NEW_YORK)


def settlement_date(submitted_at: datetime) -> date:
    """When a next-day ACH submitted at `submitted_at` settles: the business day after the first
    cutoff it makes (21:00 ET on a business day). Past tonight's cutoff, that is a day later."""
    day = submitted_at.astimezone(NEW_YORK).date()
    if is_business_day(day) and submitted_at < cutoff_at(day):
        return next_business_day(day)
    return next_business_day(next_business_day(day))


def today_in_new_york(now: datetime | None = None) -> date:
    """Today's date in New York (the container clock is UTC, where 19:00 EST is already tomorrow)."""
    if now is None:
        now = datetime.now(NEW_YORK)
    elif now.tzinfo is None:
        raise ValueError("today_in_new_york needs an aware datetime, got a naive one")
    return now.astimezone(NEW_YORK).date()


#: The run dates every command takes: the calendar steps days past a run date (its window, the next
#: fires) and the stores keep dates of this range (the sandbox's scenarios check the same one).
FIRST_RUN_DATE, LAST_RUN_DATE = date(1900, 1, 1), date(2199, 12, 31)


def run_date_problem(day: date) -> str | None:
    """Why `day` cannot be a run date (outside FIRST_RUN_DATE..LAST_RUN_DATE), or None."""
    if not FIRST_RUN_DATE <= day <= LAST_RUN_DATE:
        return f"run date {day} is outside {FIRST_RUN_DATE}..{LAST_RUN_DATE}"
    return None


def parse_run_date(text: str, *, now: datetime | None = None) -> date:
    """Read a run date written as YYYY-MM-DD or as today, tomorrow or yesterday (New York), inside
    FIRST_RUN_DATE..LAST_RUN_DATE; a ValueError says what is wrong in one line."""
    cleaned = text.strip().lower()
    parsed: date | None = None
    if cleaned in _RELATIVE_DAYS:
        parsed = today_in_new_york(now) + timedelta(days=_RELATIVE_DAYS[cleaned])
    elif _ISO_DATE.fullmatch(cleaned):
        with contextlib.suppress(ValueError):
            parsed = date.fromisoformat(cleaned)
    if parsed is None:
        raise ValueError(
            f"run date {text!r} is not a date: use YYYY-MM-DD, 'today', 'tomorrow' or 'yesterday'"
        )
    if problem := run_date_problem(parsed):
        raise ValueError(problem)
    return parsed

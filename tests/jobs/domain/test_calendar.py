"""Golden dates and properties of the Federal Reserve business calendar, due windows and run times."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.domain.calendar import (
    CUTOFF_TIME,
    FIRE_TIME,
    FIRST_RUN_DATE,
    LAST_RUN_DATE,
    NEW_YORK,
    DueWindow,
    cutoff_at,
    due_window,
    fire_at,
    holiday_name,
    is_business_day,
    next_business_day,
    parse_run_date,
    previous_business_day,
    run_date_problem,
    today_in_new_york,
)

FED_CLOSED = {
    # 2026
    date(2026, 1, 1): "New Year's Day",
    date(2026, 1, 19): "Birthday of Martin Luther King, Jr.",
    date(2026, 2, 16): "Washington's Birthday",
    date(2026, 5, 25): "Memorial Day",
    date(2026, 6, 19): "Juneteenth National Independence Day",
    date(2026, 9, 7): "Labor Day",
    date(2026, 10, 12): "Columbus Day",
    date(2026, 11, 11): "Veterans Day",
    date(2026, 11, 26): "Thanksgiving Day",
    date(2026, 12, 25): "Christmas Day",
    # 2027
    date(2027, 1, 1): "New Year's Day",
    date(2027, 1, 18): "Birthday of Martin Luther King, Jr.",
    date(2027, 2, 15): "Washington's Birthday",
    date(2027, 5, 31): "Memorial Day",
    date(2027, 7, 5): "Independence Day (observed)",
    date(2027, 9, 6): "Labor Day",
    date(2027, 10, 11): "Columbus Day",
    date(2027, 11, 11): "Veterans Day",
    date(2027, 11, 25): "Thanksgiving Day",
    # 2028
    date(2028, 1, 17): "Birthday of Martin Luther King, Jr.",
    date(2028, 2, 21): "Washington's Birthday",
    date(2028, 5, 29): "Memorial Day",
    date(2028, 6, 19): "Juneteenth National Independence Day",
    date(2028, 7, 4): "Independence Day",
    date(2028, 9, 4): "Labor Day",
    date(2028, 10, 9): "Columbus Day",
    date(2028, 11, 23): "Thanksgiving Day",
    date(2028, 12, 25): "Christmas Day",
}

FED_OPEN = [
    date(2026, 11, 27),  # Friday after Thanksgiving
    date(2027, 11, 26),
    date(2028, 11, 24),
    date(2026, 7, 3),  # Friday before Independence Day on Saturday 2026-07-04
    date(2026, 7, 6),  # ... and it is not moved to Monday either
    date(2027, 6, 18),  # Friday before Juneteenth on Saturday 2027-06-19
    date(2027, 6, 21),
    date(2027, 12, 24),  # Friday before Christmas on Saturday 2027-12-25
    date(2027, 12, 27),
    date(2027, 12, 31),  # Friday before New Year's Day on Saturday 2028-01-01
    date(2028, 1, 3),
    date(2028, 11, 10),  # Friday before Veterans Day on Saturday 2028-11-11
    date(2028, 11, 13),
    date(2026, 4, 3),  # Good Friday is not a Fed holiday
    date(2027, 3, 26),
    date(2028, 4, 14),
    date(2026, 12, 24),
    date(2026, 12, 31),
]

SATURDAY_HOLIDAYS = {
    date(2026, 7, 4): "Independence Day",
    date(2027, 6, 19): "Juneteenth National Independence Day",
    date(2027, 12, 25): "Christmas Day",
    date(2028, 1, 1): "New Year's Day",
    date(2028, 11, 11): "Veterans Day",
}


@pytest.mark.parametrize(("day", "name"), sorted(FED_CLOSED.items()))
def test_fed_holidays_close_the_day(day: date, name: str) -> None:
    assert day.weekday() < 5
    assert not is_business_day(day)
    assert holiday_name(day) == name


@pytest.mark.parametrize("day", FED_OPEN)
def test_weekdays_the_fed_keeps_open(day: date) -> None:
    assert day.weekday() < 5
    assert is_business_day(day)
    assert holiday_name(day) is None


@pytest.mark.parametrize(("day", "name"), sorted(SATURDAY_HOLIDAYS.items()))
def test_saturday_holidays_stay_on_saturday(day: date, name: str) -> None:
    assert day.weekday() == 5
    assert holiday_name(day) == name
    assert is_business_day(day - timedelta(days=1))
    assert is_business_day(day + timedelta(days=2))


def test_sunday_holiday_is_observed_on_monday() -> None:
    assert holiday_name(date(2027, 7, 4)) is None
    assert holiday_name(date(2027, 7, 5)) == "Independence Day (observed)"
    assert not is_business_day(date(2027, 7, 5))
    assert next_business_day(date(2027, 7, 2)) == date(2027, 7, 6)


def test_every_2026_to_2028_closure_is_listed() -> None:
    closures = {
        day: holiday_name(day)
        for day in (date(2026, 1, 1) + timedelta(days=n) for n in range(3 * 366))
        if day.year <= 2028 and day.weekday() < 5 and not is_business_day(day)
    }
    assert closures == FED_CLOSED


@pytest.mark.parametrize(
    ("run_date", "end"),
    [
        (date(2026, 3, 10), date(2026, 3, 11)),  # an ordinary Tuesday
        (date(2026, 3, 13), date(2026, 3, 16)),  # an ordinary Friday covers the weekend
        (date(2026, 1, 16), date(2026, 1, 20)),  # Friday before MLK Day reaches Tuesday
        (date(2026, 2, 13), date(2026, 2, 17)),  # Presidents Day
        (date(2026, 5, 22), date(2026, 5, 26)),  # Memorial Day
        (date(2026, 9, 4), date(2026, 9, 8)),  # Labor Day
        (date(2026, 10, 9), date(2026, 10, 13)),  # Columbus Day
        (date(2026, 11, 10), date(2026, 11, 12)),  # Veterans Day on Wednesday
        (date(2026, 11, 25), date(2026, 11, 27)),  # Thanksgiving: Wednesday's run reaches Friday
        (date(2026, 11, 27), date(2026, 11, 30)),
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas on Friday
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Day on Friday, across the year
        (date(2027, 7, 2), date(2027, 7, 6)),  # Independence Day observed Monday
        (date(2027, 12, 23), date(2027, 12, 24)),  # Christmas on Saturday: Friday stays open
        (date(2027, 12, 24), date(2027, 12, 27)),
        (date(2027, 12, 31), date(2028, 1, 3)),  # New Year's Day on Saturday
        (date(2028, 6, 16), date(2028, 6, 20)),  # Juneteenth on Monday
        (date(2028, 12, 22), date(2028, 12, 26)),  # Christmas on Monday
    ],
)
def test_due_window_golden(run_date: date, end: date) -> None:
    window = due_window(run_date)
    assert window == DueWindow(run_date=run_date, start=run_date + timedelta(days=1), end=end)
    assert window.days()[0] == window.start
    assert window.days()[-1] == end
    assert not window.contains(run_date)
    assert window.contains(end)
    assert not window.contains(end + timedelta(days=1))


def test_friday_window_spanning_a_monday_holiday_lists_each_day() -> None:
    assert due_window(date(2026, 1, 16)).days() == [
        date(2026, 1, 17),
        date(2026, 1, 18),
        date(2026, 1, 19),
        date(2026, 1, 20),
    ]


def test_due_window_is_frozen() -> None:
    window = due_window(date(2026, 3, 10))
    with pytest.raises(AttributeError):
        window.end = date(2026, 3, 12)  # type: ignore[misc]


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    """A whole hour in UTC."""
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("run_date", "fire_utc", "cutoff_utc"),
    [
        (date(2026, 3, 7), utc(2026, 3, 8, 0), utc(2026, 3, 8, 2)),
        (date(2026, 3, 8), utc(2026, 3, 8, 23), utc(2026, 3, 9, 1)),
        (date(2026, 10, 31), utc(2026, 10, 31, 23), utc(2026, 11, 1, 1)),
        (date(2026, 11, 1), utc(2026, 11, 2, 0), utc(2026, 11, 2, 2)),
        (date(2027, 3, 14), utc(2027, 3, 14, 23), utc(2027, 3, 15, 1)),
        (date(2027, 11, 7), utc(2027, 11, 8, 0), utc(2027, 11, 8, 2)),
        (date(2028, 3, 12), utc(2028, 3, 12, 23), utc(2028, 3, 13, 1)),
        (date(2028, 11, 5), utc(2028, 11, 6, 0), utc(2028, 11, 6, 2)),
    ],
)
def test_fire_and_cutoff_across_dst(run_date: date, fire_utc: datetime, cutoff_utc: datetime) -> None:
    fire, cutoff = fire_at(run_date), cutoff_at(run_date)
    assert fire.tzinfo is NEW_YORK and cutoff.tzinfo is NEW_YORK
    assert (fire.date(), fire.timetz().replace(tzinfo=None)) == (run_date, FIRE_TIME)
    assert (cutoff.date(), cutoff.timetz().replace(tzinfo=None)) == (run_date, CUTOFF_TIME)
    assert fire.astimezone(UTC) == fire_utc
    assert cutoff.astimezone(UTC) == cutoff_utc
    assert cutoff - fire == timedelta(hours=2)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 15, 0, 30, tzinfo=UTC), date(2026, 1, 14)),  # 19:30 EST the day before
        (datetime(2026, 1, 15, 5, 0, tzinfo=UTC), date(2026, 1, 15)),  # midnight EST
        (datetime(2026, 7, 15, 3, 59, tzinfo=UTC), date(2026, 7, 14)),  # 23:59 EDT
        (datetime(2026, 7, 15, 4, 0, tzinfo=UTC), date(2026, 7, 15)),  # midnight EDT
        (datetime(2026, 7, 14, 21, 0, tzinfo=NEW_YORK), date(2026, 7, 14)),
    ],
)
def test_today_in_new_york(now: datetime, expected: date) -> None:
    assert today_in_new_york(now) == expected


def test_today_in_new_york_defaults_to_the_real_clock() -> None:
    before = datetime.now(NEW_YORK).date()
    today = today_in_new_york()
    after = datetime.now(NEW_YORK).date()
    assert today in {before, after}


def test_today_in_new_york_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        today_in_new_york(datetime(2026, 1, 15, 0, 30))


EVENING_IN_NEW_YORK = datetime(2026, 1, 15, 0, 30, tzinfo=UTC)  # 2026-01-14 19:30 EST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", date(2026, 11, 25)),
        (" 2028-02-29 ", date(2028, 2, 29)),
        ("today", date(2026, 1, 14)),
        ("Today", date(2026, 1, 14)),
        ("tomorrow", date(2026, 1, 15)),
        ("YESTERDAY", date(2026, 1, 13)),
    ],
)
def test_parse_run_date(text: str, expected: date) -> None:
    assert parse_run_date(text, now=EVENING_IN_NEW_YORK) == expected


@pytest.mark.parametrize(
    "text", ["", "  ", "2026-13-01", "2027-02-29", "20260101", "2026-W01-1", "2026-1-5", "next friday", "now"]
)
def test_parse_run_date_rejects_with_one_line(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD") as raised:
        parse_run_date(text)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_parse_run_date_refuses_a_date_outside_the_range_in_one_line(text: str) -> None:
    with pytest.raises(ValueError, match="outside 1900-01-01..2199-12-31") as raised:
        parse_run_date(text)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("day", [FIRST_RUN_DATE, LAST_RUN_DATE])
def test_every_date_of_the_range_has_a_window_and_a_fire(day: date) -> None:
    """The range is what the calendar can step through: the edges parse and have a window."""
    assert parse_run_date(day.isoformat()) == day and run_date_problem(day) is None
    assert due_window(day).end > day and fire_at(day).date() == day


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@given(dates)
def test_next_business_day_is_the_first_business_day_after(day: date) -> None:
    following = next_business_day(day)
    assert following > day
    assert is_business_day(following)
    assert (following - day).days <= 4
    between = (day + timedelta(days=n) for n in range(1, (following - day).days))
    assert not any(is_business_day(d) for d in between)


@given(dates)
def test_previous_business_day_is_the_last_business_day_before(day: date) -> None:
    preceding = previous_business_day(day)
    assert preceding < day
    assert is_business_day(preceding)
    between = (preceding + timedelta(days=n) for n in range(1, (day - preceding).days))
    assert not any(is_business_day(d) for d in between)


@given(dates)
def test_previous_and_next_round_trip(day: date) -> None:
    expected = day if is_business_day(day) else previous_business_day(day)
    assert previous_business_day(next_business_day(day)) == expected
    expected = day if is_business_day(day) else next_business_day(day)
    assert next_business_day(previous_business_day(day)) == expected


@given(dates)
def test_business_day_means_weekday_without_holiday(day: date) -> None:
    assert is_business_day(day) == (day.weekday() < 5 and holiday_name(day) is None)


@given(dates)
def test_due_window_days_are_contiguous_and_end_on_a_business_day(run_date: date) -> None:
    window = due_window(run_date)
    days = window.days()
    assert days[0] == run_date + timedelta(days=1) == window.start
    assert days[-1] == window.end == next_business_day(run_date)
    assert all(later - earlier == timedelta(days=1) for earlier, later in zip(days, days[1:], strict=False))
    assert is_business_day(window.end)
    assert not any(is_business_day(d) for d in days[:-1])
    for offset in range(-2, 7):
        candidate = run_date + timedelta(days=offset)
        assert window.contains(candidate) == (candidate in days)

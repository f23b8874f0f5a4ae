"""The cron reader behind next/last fire."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from jobs.domain.schedule import Schedule, parse_cron

NY = ZoneInfo("America/New_York")
SCHEDULE = Schedule("s", "cron(0 19 ? * MON-FRI *)", "America/New_York", "ENABLED", 0, {})


def test_weekday_fires_and_weekends_skip():
    friday_night = datetime(2026, 11, 20, 19, 30, tzinfo=NY)
    assert SCHEDULE.last_fire(friday_night) == datetime(2026, 11, 20, 19, 0, tzinfo=NY)
    assert SCHEDULE.next_fire(friday_night) == datetime(2026, 11, 23, 19, 0, tzinfo=NY)
    monday_morning = datetime(2026, 11, 23, 8, 0, tzinfo=NY)
    assert SCHEDULE.last_fire(monday_morning) == datetime(2026, 11, 20, 19, 0, tzinfo=NY)


def test_the_fire_is_19_new_york_across_dst():
    # 19:00 EDT is 23:00 UTC; 19:00 EST is 00:00 UTC of the next day.
    summer = SCHEDULE.next_fire(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    winter = SCHEDULE.next_fire(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert summer.astimezone(UTC).hour == 23 and winter.astimezone(UTC).hour == 0
    assert winter.astimezone(UTC).day == 2


def test_an_exact_fire_moment_is_the_last_fire_not_the_next():
    at = datetime(2026, 11, 24, 19, 0, tzinfo=NY)
    assert SCHEDULE.last_fire(at) == at and SCHEDULE.next_fire(at) > at


@pytest.mark.parametrize(
    "expression", ["rate(1 day)", "cron(0 19 1 * ? *)", "cron(0 25 ? * MON *)", "cron(0 19 ? * XYZ *)"]
)
def test_unsupported_expressions_give_unknown_fires(expression):
    assert parse_cron(expression) is None
    assert Schedule("s", expression, "UTC", "ENABLED", 0, {}).next_fire(datetime.now(UTC)) is None

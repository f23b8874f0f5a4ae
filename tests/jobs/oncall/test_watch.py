"""The watch's pure decisions: the projection, and when a night pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from jobs.adapters.sns import alert_subject
from jobs.domain.calendar import NEW_YORK
from jobs.oncall import diagnosis as d
from jobs.oncall.watch import assess, needs_projection, project
from tests.jobs.oncall.nights import facts_for

FRIDAY = date(2026, 11, 20)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)


def test_projection_uses_the_runs_own_rate_else_the_configured_one():
    now = _at(FRIDAY, 19, 20)
    facts = facts_for(now, FRIDAY, "running")
    started = _at(FRIDAY, 19, 0).astimezone(UTC)
    facts.runs = [replace(r, started_at=started, counts={"SUBMITTED": 600}) for r in facts.runs]
    measured = project(facts, remaining=3600, remaining_cents=1, configured_rate=5.0)
    assert measured.measured and measured.rate_per_s == pytest.approx(0.5)
    assert measured.finish_at == now + timedelta(seconds=7200) and not measured.fits  # 21:20 ET
    fresh = facts_for(now, FRIDAY, "none")
    configured = project(fresh, remaining=100, remaining_cents=1, configured_rate=5.0)
    assert not configured.measured and configured.finish_at == now + timedelta(seconds=20) and configured.fits
    assert project(fresh, 0, 0, 5.0).finish_at == now


@pytest.mark.parametrize(
    ("situation", "page"),
    [("died", True), ("failed", True), ("interrupted", True), ("none", True), ("succeeded", False)],
)
def test_a_business_night_pages_when_in_trouble(situation, page):
    facts = facts_for(_at(FRIDAY, 19, 20), FRIDAY, situation)
    diagnosis = d.diagnose(facts)
    verdict = assess(facts, diagnosis, None)
    assert verdict.page is page
    if page:
        assert "floatctl recover day-before-ach --date 2026-11-20" in verdict.message


def test_slow_pages_fast_does_not():
    now = _at(FRIDAY, 20, 15)
    facts = facts_for(now, FRIDAY, "running")
    diagnosis = d.diagnose(facts)
    assert needs_projection(facts, diagnosis)
    slow = project(facts, remaining=10_000, remaining_cents=500_000, configured_rate=1.0)
    verdict = assess(facts, diagnosis, slow)
    assert (
        verdict.page and "too slow" in verdict.why and "At stake: 10000 floats, $5,000.00" in verdict.message
    )
    fast = project(facts, remaining=10, remaining_cents=1, configured_rate=5.0)
    assert not assess(facts, diagnosis, fast).page


@pytest.mark.parametrize("day", [date(2026, 11, 26), date(2026, 11, 21)])  # Thanksgiving, a Saturday
@pytest.mark.parametrize("situation", ["none", "failed", "died"])
def test_a_day_that_is_not_a_business_day_never_pages(day, situation):
    facts = facts_for(_at(day, 19, 20), day, situation)
    diagnosis = d.diagnose(facts)
    assert not needs_projection(facts, diagnosis)
    assert not assess(facts, diagnosis, None).page


def test_alert_subjects_are_one_ascii_line_under_100_characters():
    subject = alert_subject("floatctl watch prod: día\nde " + "x" * 200)
    assert len(subject) == 99 and subject.isascii() and "\n" not in subject and "d?a de" in subject

"""Golden explanations for the Fed-holiday edge cases."""

from datetime import date

from jobs.oncall.calendar_explain import explain, upcoming


def test_thanksgiving_week():
    wednesday = explain(date(2026, 11, 25)).as_json()
    assert wednesday["due_window"] == {"start": "2026-11-26", "end": "2026-11-27", "days": 2}
    assert wednesday["skipped"] == [{"date": "2026-11-26", "why": "Fed holiday: Thanksgiving Day"}]
    thursday = explain(date(2026, 11, 26)).as_json()
    assert thursday["business_day"] is False and thursday["schedule_fires"] is True
    assert "already submitted" in thursday["notes"][0]


def test_saturday_holiday_is_not_moved():
    friday = explain(date(2027, 12, 24)).as_json()  # Christmas 2027 is a Saturday
    assert friday["business_day"] is True
    assert friday["due_window"]["end"] == "2027-12-27"
    assert any("Saturday" in note for note in friday["notes"])
    new_year = explain(date(2027, 12, 31)).as_json()  # 2028-01-01 is a Saturday too
    assert new_year["business_day"] is True and new_year["due_window"]["end"] == "2028-01-03"


def test_sunday_holiday_is_observed_monday():
    friday = explain(date(2027, 7, 2)).as_json()  # July 4th 2027 is a Sunday, observed Monday the 5th
    assert friday["due_window"] == {"start": "2027-07-03", "end": "2027-07-06", "days": 4}
    whys = [s["why"] for s in friday["skipped"]]
    assert whys[-1].startswith("Fed holiday") and "long window" in " ".join(friday["notes"])


def test_year_end_and_utc_times():
    dec31 = explain(date(2026, 12, 31)).as_json()  # 2027-01-01 is a Friday holiday
    assert dec31["due_window"] == {"start": "2027-01-01", "end": "2027-01-04", "days": 4}
    assert dec31["fire_at"]["utc"].startswith("2027-01-01T00:00")  # 19:00 EST is midnight UTC


def test_dst_change_is_flagged_on_the_first_fire_after_it():
    monday = explain(date(2027, 3, 15)).as_json()  # clocks went forward on Sunday the 14th
    assert any("clocks changed" in n for n in monday["notes"])
    assert monday["fire_at"]["utc"].startswith("2027-03-15T23:00")


def test_upcoming_lists_fire_days_including_holidays():
    dates = [e.run_date for e in upcoming(date(2026, 11, 21), 6)]
    assert dates == [date(2026, 11, d) for d in (23, 24, 25, 26, 27, 30)]

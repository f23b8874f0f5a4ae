"""After the cutoff, with numbers and a recorded decision: each float's settlement if launched now, the
dollars that slip, and `--approved-by` (required in prod) in the audit ledger (issue 19, item 3)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from jobs.domain.calendar import NEW_YORK, settlement_date
from jobs.errors import UsageError
from jobs.oncall.policy import check_approval
from tests import scenarios
from tests.scenarios import RUN_DATE

DATE = RUN_DATE.isoformat()  # a Friday: the window is Saturday..Monday


@pytest.mark.parametrize(
    ("at", "settles"),
    [
        ("2026-11-20 20:59", date(2026, 11, 23)),  # Friday before the cutoff: Monday
        ("2026-11-20 21:00", date(2026, 11, 24)),  # at the cutoff it misses it: Tuesday
        ("2026-11-21 10:00", date(2026, 11, 24)),  # Saturday: Monday's cutoff, Tuesday
        ("2026-11-25 22:00", date(2026, 11, 30)),  # past Wednesday's, Thanksgiving: Friday's, Monday
    ],
)
def test_settlement_date(at, settles):
    moment = datetime.fromisoformat(at).replace(tzinfo=NEW_YORK)
    assert settlement_date(moment) == settles


def test_a_late_launch_in_prod_names_its_approver():
    with pytest.raises(UsageError, match="--approved-by"):
        check_approval("prod", "  ", late=True)
    assert check_approval("prod", " Dana Ortiz ", late=True) == "Dana Ortiz"
    assert check_approval("prod", None, late=False) is None
    assert check_approval("sandbox", None, late=True) is None


def test_past_the_cutoff_recover_shows_what_slips_and_the_launch_records_the_approver(
    sandbox, load, cli, monkeypatch
):
    load(scenarios.mixed(6, seed=91))
    monkeypatch.setenv("FLOATCTL_NOW", f"{DATE}T21:30:00-05:00")
    document = json.loads(cli("-o", "json", "recover", "day-before-ach", "--date", DATE).stdout)
    assert document["action"] == "tell-finance"
    late = document["late"]
    assert late["expected_settlement"] == "2026-11-24" and late["total"]["count"] > 0
    # Every float was due by Monday: all of them settle late, and the dollars say how much.
    assert late["slipping"] == late["total"]
    assert all(f["days_late"] >= 1 for f in late["floats"])
    text = cli("recover", "day-before-ach", "--date", DATE).stdout
    assert "launched now, ACH settles 2026-11-24" in text and "would settle after their due date" in text

    launched = cli(
        "launch", "day-before-ach", "--date", DATE, "--after-cutoff", "--yes",
        "--reason", "fire missed, finance agreed", "--approved-by", "Dana Ortiz",
    )  # fmt: skip
    assert launched.exit_code == 0, launched.stderr
    audit = json.loads(cli("-o", "json", "history", "--audit").stdout)["audit"]
    event = next(a for a in audit if a["action"] == "launch" and a["reason"] == "fire missed, finance agreed")
    assert event["after"]["approved_by"] == "Dana Ortiz"


def test_a_launch_refused_for_the_cutoff_shows_what_would_slip(sandbox, load, cli, monkeypatch):
    load(scenarios.mixed(6, seed=92))
    monkeypatch.setenv("FLOATCTL_NOW", f"{DATE}T21:30:00-05:00")
    refused = cli("launch", "day-before-ach", "--date", DATE, "--yes")
    assert refused.exit_code == 3 and "before the 21:00 ET cutoff" in refused.stderr
    assert "launched now, ACH settles 2026-11-24" in refused.stdout
    assert "would settle after their due date" in refused.stdout
    document = json.loads(cli("-o", "json", "launch", "day-before-ach", "--date", DATE).stdout)
    assert document["refused"] and document["late"]["expected_settlement"] == "2026-11-24"
    assert document["late"]["slipping"]["count"] > 0

"""`floatctl history --runs --last N`: one row per run of the last N weekday nights, missed nights kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests import scenarios


@pytest.fixture
def nights(load, app_context):
    """Runs on Thu 19 (a relaunch after a FAILED run) and Tue 17; none on Wed 18 or Mon 16."""
    from jobs.domain.calendar import due_window
    from jobs.domain.records import RunRecord

    load(scenarios.mixed(2, seed=71))
    history = app_context.runtime().history()
    rows = [
        ("20261120T000105Z-failed01", 19, 0, "FAILED", 20_000, 95, "schedule"),
        (
            "20261120T003000Z-relaunch",
            19,
            29,
            "SUCCEEDED",
            150_000,
            310,
            "operator:arn:aws:sts::1:assumed-role/oncall/ana",
        ),
        ("20261118T000104Z-tuesday1", 17, 0, "SUCCEEDED", 75_050, 1805, "schedule"),
    ]
    for run_id, day, minute, status, amount, seconds, by in rows:
        run_date = datetime(2026, 11, day).date()
        started = datetime(2026, 11, day + 1, 0, 1 + minute, 4, tzinfo=UTC)
        history.put_run(
            RunRecord(
                run_id,
                due_window(run_date).end,
                run_date,
                started,
                status,
                started_by=by,
                finished_at=started + timedelta(seconds=seconds),
                submitted_amount_cents=amount,
                counts={"SUBMITTED": amount // 10_000, "FAILED": 1 if status == "FAILED" else 0},
            )
        )


def test_runs_of_the_last_nights_as_json(cli, nights):
    result = cli("-o", "json", "history", "--runs", "--last", "4", "--date", "2026-11-19")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    rows = [
        (r["run_date"], r["status"], r["duration_s"], r["submitted_amount_cents"], r["run_id"])
        for r in document["runs"]
    ]
    assert rows == [
        ("2026-11-19", "SUCCEEDED", 310, 150_000, "20261120T003000Z-relaunch"),
        ("2026-11-19", "FAILED", 95, 20_000, "20261120T000105Z-failed01"),
        ("2026-11-18", "NO RUN", None, 0, None),
        ("2026-11-17", "SUCCEEDED", 1805, 75_050, "20261118T000104Z-tuesday1"),
        ("2026-11-16", "NO RUN", None, 0, None),
    ]
    assert document["runs"][0]["started_by"].startswith("operator:")
    assert document["runs"][0]["counts"] == {"SUBMITTED": 15, "FAILED": 0}


def test_runs_as_a_table(cli, nights):
    result = cli("history", "--runs", "--last", "3", "--date", "2026-11-19")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "runs of the last 3 nights up to 2026-11-19" in result.stdout
    relaunch = next(line for line in lines if "relaunch" in line)
    assert "SUCCEEDED" in relaunch and "5 min 10 s" in relaunch and "$1,500.00" in relaunch
    assert any("2026-11-18" in line and "NO RUN" in line for line in lines)
    assert any("30 min 5 s" in line and "$750.50" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("history", "--runs", "--last", "0"), "--last"),
        (("history", "--runs", "--last", "5000"), "--last"),
        (("history", "--runs", "--float", "7"), "--runs goes with --last and --date"),
    ],
)
def test_bad_input_is_one_line_with_exit_2(cli, sandbox, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and message in result.stderr

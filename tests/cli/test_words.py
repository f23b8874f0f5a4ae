"""One wording for moments and spans on every face: a table test proves the CLI, the TUI and jobs print
a moment alike; spans read in h/min (`1 h 15 min`, never `75 min 3 s` or `1.6s`), and the times people
read (history, watch) are New York time with the zone."""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime, timedelta, timezone

import pytest

from floatctl.output import cell, cutoff_fit
from floatctl.tui import format as tui_format
from jobs import words
from tests import scenarios

MOMENT = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T\b")


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (datetime(2026, 11, 21, 0, 4, 5, tzinfo=UTC), "Fri 2026-11-20 19:04:05 EST"),
        (datetime(2026, 7, 2, 23, 0, 0, tzinfo=UTC), "Thu 2026-07-02 19:00:00 EDT"),
        (
            datetime(2026, 11, 20, 19, 4, 5, tzinfo=timezone(timedelta(hours=-5))),
            "Fri 2026-11-20 19:04:05 EST",
        ),
        (datetime(2026, 11, 21, 0, 4, 5), "Fri 2026-11-20 19:04:05 EST"),  # naive: UTC, as the stores write
    ],
)
def test_every_face_prints_a_moment_alike(at, shown):
    faces = {
        "jobs.words.moment": words.moment(at),
        "jobs.words.moment (ISO text)": words.moment(at.isoformat().replace("+00:00", "Z")),
        "a CLI table cell": cell(at),
        "the TUI": tui_format.moment(at),
    }
    assert set(faces.values()) == {shown}, faces


@pytest.mark.parametrize(
    ("needed_s", "left_s", "expected"),
    [
        (
            1.6,
            5400.0,
            "4 submissions at 5.0/s need 2 s; 1 h 30 min from 19:30 ET to the 21:00 ET cutoff: fits",
        ),
        (
            4503.0,
            600.0,
            "4 submissions at 5.0/s need 1 h 15 min; 10 min from 19:30 ET to the 21:00 ET cutoff",
        ),
        (0.0, -1800.0, "4 submissions at 5.0/s need 0 s; the 21:00 ET cutoff passed 30 min ago"),
    ],
)
def test_the_preview_timing_is_in_words(needed_s, left_s, expected):
    timing = {
        "submissions": 4,
        "rate_per_s": 5.0,
        "needed_s": needed_s,
        "start_at": "2026-11-20T19:30:00-05:00",
        "seconds_to_cutoff": left_s,
        "fits": needed_s <= left_s,
    }
    sentence = cutoff_fit(timing)
    assert sentence.startswith(expected) and sentence.endswith(
        ": fits" if timing["fits"] else ": DOES NOT FIT"
    )
    assert not re.search(r"\d\.\d", sentence.replace("5.0/s", ""))  # no `1.6s`


def test_history_runs_reads_an_hour_in_h_min(load, cli, app_context):
    from jobs.domain.calendar import due_window
    from jobs.domain.records import RunRecord

    load(scenarios.mixed(1, seed=81))
    started = datetime(2026, 11, 21, 0, 1, 4, tzinfo=UTC)
    run_date = scenarios.RUN_DATE
    app_context.runtime().history().put_run(
        RunRecord(
            "20261121T000104Z-slow0001", due_window(run_date).end, run_date, started, "SUCCEEDED",
            started_by="schedule", finished_at=started + timedelta(seconds=4503), counts={"SUBMITTED": 1},
        )
    )  # fmt: skip
    table = cli("history", "--runs", "--last", "1", "--date", run_date.isoformat(), "-o", "plain").stdout
    assert "1 h 15 min" in table and "75 min" not in table
    document = json.loads(
        cli("history", "--runs", "--last", "1", "--date", run_date.isoformat(), "-o", "json").stdout
    )
    assert document["runs"][0]["duration_s"] == 4503
    assert MOMENT.search(cli("history", "--run", "20261121T000104Z-slow0001", "-o", "plain").stdout)


def test_watch_says_when_it_paged_in_new_york_time(load, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T19:20:00-05:00")
    run = {
        "run_id": "r-words",
        "run_date": "2026-11-20",
        "status": "RUNNING",
        "started_at": "2026-11-21T00:01:00Z",
    }
    lock = {"namespace": "job", "lock_key": "day-before-ach", "owner": "r-words"}
    lock |= {"owner_task": f"{socket.gethostname()}:999999", "lease_expires_in_s": 300}  # its owner is gone
    load(scenarios.mixed(3, seed=82) | {"runs": [run], "locks": [lock]})
    assert cli("watch", "day-before-ach").exit_code == 1  # pages: the run died
    again = cli("watch", "day-before-ach")
    assert again.exit_code == 1
    line = next(line for line in again.stderr.splitlines() if line.startswith("already paged"))
    assert MOMENT.search(line) and not re.search(r"\d{4}-\d\d-\d\dT", line), line

"""The Datadog logs link in `status` and `launch --wait` (the URL itself: tests/jobs/observe/test_log_link.py)."""

from __future__ import annotations

import json

from jobs.observe.log_link import logs_url


def test_status_prints_the_link_of_the_latest_run(cli, load, at_1931, monkeypatch):
    from tests import scenarios

    monkeypatch.setenv("DD_SITE", "us5.datadoghq.com")
    document = scenarios.mixed(2, seed=52)
    document["runs"] = [
        {
            "run_id": "20261121T000105Z-failed1",
            "run_date": "2026-11-20",
            "status": "FAILED",
            "started_at": "2026-11-21T00:01:05Z",
        }
    ]
    load(document)
    status = json.loads(cli("-o", "json", "status").stdout)
    assert status["logs_url"].startswith("https://us5.datadoghq.com/logs?")
    assert "%40run_id%3A20261121T000105Z-failed1" in status["logs_url"]
    table = cli("status")
    assert f"logs: {status['logs_url']}" in table.stdout

    load(scenarios.mixed(2, seed=52))  # no run: no link
    assert json.loads(cli("-o", "json", "status").stdout)["logs_url"] is None


def test_launch_wait_ends_with_the_link_of_the_run_it_started(cli, load, at_1931, monkeypatch, app_context):
    from tests import scenarios

    monkeypatch.delenv("DD_SITE", raising=False)
    load(scenarios.mixed(4, seed=53))
    result = cli("-o", "json", "launch", "day-before-ach", "--yes", "--wait", "--poll", "0.3")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    from jobs.domain.calendar import due_window
    from tests.scenarios import RUN_DATE

    run = next(
        r for r in app_context.runtime().history().runs(due_window(RUN_DATE).end) if r.status == "SUCCEEDED"
    )
    assert report["logs_url"] == logs_url(run.run_id, {}, run.started_at)
    assert f"logs: {report['logs_url']}" in result.stderr


def test_recover_wait_ends_with_the_link_too(cli, load, at_1931, monkeypatch):
    from tests import scenarios

    monkeypatch.setenv("DD_SITE", "datadoghq.eu")
    load(scenarios.mixed(3, seed=54))
    result = cli("recover", "day-before-ach", "--yes", "--wait", "--poll", "0.3")
    assert result.exit_code == 0, result.stderr
    link = next(line for line in result.stderr.splitlines() if line.startswith("logs: "))
    assert link.startswith(
        "logs: https://app.datadoghq.eu/logs?query=service%3Acollections-jobs+%40run_id%3A"
    )

"""The Datadog logs link: one URL per run on the site DD_SITE names, in `status` and `launch --wait`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from jobs.observe.log_link import logs_query, logs_url, site_host

AT_1931 = "2026-11-20T19:31:00-05:00"


@pytest.mark.parametrize(
    ("site", "host"),
    [
        ("datadoghq.com", "app.datadoghq.com"),
        ("datadoghq.eu", "app.datadoghq.eu"),
        ("us3.datadoghq.com", "us3.datadoghq.com"),
        ("us5.datadoghq.com", "us5.datadoghq.com"),
        ("ap1.datadoghq.com", "ap1.datadoghq.com"),
        ("ddog-gov.com", "app.ddog-gov.com"),
        ("app.datadoghq.eu", "app.datadoghq.eu"),
        ("https://us3.datadoghq.com/", "us3.datadoghq.com"),
    ],
)
def test_site_hosts(site, host):
    assert site_host(site) == host


def test_the_url_carries_the_query_and_the_run_s_time_range():
    started = datetime(2026, 11, 21, 0, 1, 5, tzinfo=UTC)
    url = logs_url("20261121T000105Z-ab12cd34", {"DD_SITE": "datadoghq.eu"}, started)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "app.datadoghq.eu", "/logs")
    assert query["query"] == ["service:collections-jobs @run_id:20261121T000105Z-ab12cd34"]
    assert int(query["from_ts"][0]) == int(started.timestamp() * 1000) - 5 * 60 * 1000
    assert logs_url("r1", {}).startswith("https://app.datadoghq.com/logs?query=service%3Acollections-jobs")
    assert logs_query("r1", "other-service") == "service:other-service @run_id:r1"


def test_status_prints_the_link_of_the_latest_run(cli, load, monkeypatch):
    from tests import scenarios

    monkeypatch.setenv("FLOATCTL_NOW", AT_1931)
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


def test_launch_wait_ends_with_the_link_of_the_run_it_started(cli, load, monkeypatch, app_context):
    from tests import scenarios

    monkeypatch.setenv("FLOATCTL_NOW", AT_1931)
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


def test_recover_wait_ends_with_the_link_too(cli, load, monkeypatch):
    from tests import scenarios

    monkeypatch.setenv("FLOATCTL_NOW", AT_1931)
    monkeypatch.setenv("DD_SITE", "datadoghq.eu")
    load(scenarios.mixed(3, seed=54))
    result = cli("recover", "day-before-ach", "--yes", "--wait", "--poll", "0.3")
    assert result.exit_code == 0, result.stderr
    link = next(line for line in result.stderr.splitlines() if line.startswith("logs: "))
    assert link.startswith(
        "logs: https://app.datadoghq.eu/logs?query=service%3Acollections-jobs+%40run_id%3A"
    )

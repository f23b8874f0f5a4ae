"""The Datadog logs link: one URL per run on the site DD_SITE names."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from jobs.observe.log_link import logs_query, logs_url, site_host


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

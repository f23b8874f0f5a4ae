"""The Datadog logs link of a run: the query `service:collections-jobs @run_id:<id>` as a Log
Explorer URL on the organisation's Datadog site (`DD_SITE`).

Sites and their web hosts, from "Getting Started with Datadog Sites"
(https://docs.datadoghq.com/getting_started/site/): "US1 https://app.datadoghq.com datadoghq.com",
"US3 https://us3.datadoghq.com us3.datadoghq.com", "US5 https://us5.datadoghq.com us5.datadoghq.com",
"EU1 https://app.datadoghq.eu datadoghq.eu", "US1-FED https://app.ddog-gov.com ddog-gov.com",
"AP1 https://ap1.datadoghq.com ap1.datadoghq.com", "AP2 https://ap2.datadoghq.com ap2.datadoghq.com".
The three top-level sites (datadoghq.com, datadoghq.eu, ddog-gov.com) are served under `app.`; the
regional ones under their own name. The Log Explorer takes the search as `query` and the range as
`from_ts`/`to_ts` in epoch milliseconds (the form of the links Datadog's own "Copy link" gives). The job's JSON log lines carry `run_id` as an attribute and the
service as `dd.service`, hence `@run_id:` and `service:`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode

DEFAULT_SITE = "datadoghq.com"
DEFAULT_SERVICE = "collections-jobs"
APP_PREFIXED = frozenset({"datadoghq.com", "datadoghq.eu", "ddog-gov.com"})
KNOWN_SITES = frozenset(
    {
        *APP_PREFIXED,
        "us3.datadoghq.com",
        "us5.datadoghq.com",
        "ap1.datadoghq.com",
        "ap2.datadoghq.com",
        "us2.ddog-gov.com",
    }
)
WINDOW_BEFORE = timedelta(minutes=5)  # the link's time range starts a little before the run
WINDOW_AFTER = timedelta(hours=3)


def site_host(site: str) -> str:
    """The web host of a Datadog site parameter (`datadoghq.eu` -> `app.datadoghq.eu`)."""
    site = site.strip().lower().removeprefix("https://").removeprefix("app.").rstrip("/")
    return f"app.{site}" if site in APP_PREFIXED else site


def logs_query(run_id: str, service: str = DEFAULT_SERVICE) -> str:
    """The Log Explorer query of one run."""
    return f"service:{service} @run_id:{run_id}"


def logs_url(run_id: str, environ: Mapping[str, str], started_at: datetime | None = None) -> str:
    """The Log Explorer URL of one run on `DD_SITE` (default US1), for `DD_SERVICE` (default
    collections-jobs); with `started_at`, the range covers the run."""
    site = environ.get("DD_SITE") or DEFAULT_SITE
    params: dict[str, str] = {"query": logs_query(run_id, environ.get("DD_SERVICE") or DEFAULT_SERVICE)}
    if started_at is not None:
        params["from_ts"] = str(int((started_at - WINDOW_BEFORE).timestamp() * 1000))
        params["to_ts"] = str(int((started_at + WINDOW_AFTER).timestamp() * 1000))
        params["live"] = "false"
    return f"https://{site_host(site)}/logs?{urlencode(params)}"


def is_known_site(site: str) -> bool:
    """Whether `site` is one of the documented Datadog sites (an unknown one still gets a link)."""
    return site_host(site).removeprefix("app.") in KNOWN_SITES

"""This container's ECS task ARN, from the task metadata endpoint Fargate provides (v4)."""

from __future__ import annotations

import json
import logging
import os
import urllib.request

log = logging.getLogger("jobs.adapters.ecs_metadata")


def task_arn() -> str | None:
    """The running task's ARN, or None outside ECS (or when the endpoint does not answer)."""
    base = os.environ.get("ECS_CONTAINER_METADATA_URI_V4")
    if not base:
        return None
    try:
        with urllib.request.urlopen(f"{base}/task", timeout=2) as response:
            return json.loads(response.read()).get("TaskARN")
    except (OSError, ValueError) as exc:
        log.warning("ECS task metadata unavailable: %s", exc)
        return None

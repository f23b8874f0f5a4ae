"""The one clock for decisions (fire times, cutoff, advice): real time, or FLOATCTL_NOW when frozen.

Freezing it lets a missed fire be rehearsed at any hour and makes snapshots repeatable. It never
affects request signing or lease expiry, which always use the real time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from jobs.errors import UsageError


def now() -> datetime:
    """Now, aware; FLOATCTL_NOW (ISO 8601 with an offset) overrides it."""
    frozen = os.environ.get("FLOATCTL_NOW")
    if not frozen:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(frozen.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"FLOATCTL_NOW={frozen!r} is not an ISO timestamp") from None
    if value.tzinfo is None:
        raise UsageError(f"FLOATCTL_NOW={frozen!r} needs a UTC offset (e.g. 2026-11-23T19:30:00-05:00)")
    return value

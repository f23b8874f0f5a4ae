"""EventBridge Scheduler: read the schedule the 19:00 fire comes from."""

from __future__ import annotations

from typing import Any

from jobs.domain.schedule import Schedule
from jobs.errors import ConfigError, DependencyError, credential_error


def load_schedule(scheduler: Any, name: str, group: str) -> Schedule:
    """Read the schedule; a missing one is a configuration error saying which."""
    try:
        data = scheduler.get_schedule(Name=name, GroupName=group)
    except Exception as exc:
        if found := credential_error(exc):
            raise found from None
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code == "ResourceNotFoundException":
            raise ConfigError(f"schedule {name!r} (group {group!r}) does not exist") from None
        raise DependencyError(f"cannot read schedule {name!r}: {code or type(exc).__name__}") from None
    target = data.get("Target") or {}
    return Schedule(
        name=name,
        expression=data.get("ScheduleExpression", ""),
        timezone=data.get("ScheduleExpressionTimezone", "UTC"),
        state=data.get("State", "UNKNOWN"),
        retry_attempts=(target.get("RetryPolicy") or {}).get("MaximumRetryAttempts"),
        target=target,
    )

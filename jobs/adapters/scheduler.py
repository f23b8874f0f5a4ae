"""EventBridge Scheduler: read the schedule the 19:00 fire comes from, and switch it off and on.

UpdateSchedule is a full replace: "When you call UpdateSchedule, EventBridge Scheduler uses all values,
including empty values, specified in the request and overrides the existing schedule. [...] if you do
not set an optional field in your request, that field will be set to its system-default value after
the update." (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_UpdateSchedule.html). So
`set_state` reads the schedule with GetSchedule and sends every field back with only `State` changed;
otherwise a pause would silently drop the retry policy, the dead-letter queue or the time zone. moto's
UpdateSchedule keeps what it is sent too, so the sandbox test that checks the target survives can fail.
"""

from __future__ import annotations

from typing import Any

from jobs.adapters.aws_errors import AwsError, translated
from jobs.domain.schedule import Schedule
from jobs.errors import ConfigError

# Every writable field of UpdateSchedule that GetSchedule returns (the request syntax of the API
# reference above); anything not passed back would be reset to its default.
UPDATE_FIELDS = (
    "ActionAfterCompletion",
    "Description",
    "EndDate",
    "FlexibleTimeWindow",
    "GroupName",
    "KmsKeyArn",
    "Name",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "StartDate",
    "State",
    "Target",
)


def update_request(current: dict[str, Any], state: str) -> dict[str, Any]:
    """The UpdateSchedule request that changes only `State`: every other field as GetSchedule gave it."""
    request = {key: current[key] for key in UPDATE_FIELDS if current.get(key) is not None}
    request["State"] = state
    return request


def _read(scheduler: Any, name: str, group: str) -> dict[str, Any]:
    """GetSchedule's answer; a missing schedule is a configuration error saying which."""
    try:
        with translated(f"cannot read schedule {name!r}"):
            return scheduler.get_schedule(Name=name, GroupName=group)
    except AwsError as exc:
        if exc.code == "ResourceNotFoundException":
            raise ConfigError(f"schedule {name!r} (group {group!r}) does not exist") from None
        raise


def load_schedule(scheduler: Any, name: str, group: str) -> Schedule:
    """Read the schedule; a missing one is a configuration error saying which."""
    data = _read(scheduler, name, group)
    target = data.get("Target") or {}
    return Schedule(
        name=name,
        expression=data.get("ScheduleExpression", ""),
        timezone=data.get("ScheduleExpressionTimezone", "UTC"),
        state=data.get("State", "UNKNOWN"),
        retry_attempts=(target.get("RetryPolicy") or {}).get("MaximumRetryAttempts"),
        target=target,
    )


class ScheduleClient:
    """The one schedule of the settings (name and group): read it, set its state."""

    def __init__(self, scheduler: Any, name: str, group: str) -> None:
        self.scheduler = scheduler
        self.name = name
        self.group = group

    def read(self) -> Schedule:
        return load_schedule(self.scheduler, self.name, self.group)

    def set_state(self, state: str) -> None:
        """Set `State` (ENABLED or DISABLED), every other field sent back as it is (a full replace)."""
        current = _read(self.scheduler, self.name, self.group)
        with translated("UpdateSchedule failed"):
            self.scheduler.update_schedule(**update_request(current, state))

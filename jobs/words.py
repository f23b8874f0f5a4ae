"""How every face words counts, spans and moments (`1 lock`, `8 s`, `2 h 5 min`,
`Fri 2026-11-20 19:04:05 EST`): one place for CLI, TUI and jobs."""

from __future__ import annotations

from datetime import UTC, datetime

# The one time format for people: New York wall time with the weekday, seconds and the zone.
# Machine output (JSON, the log lines) keeps ISO 8601 in UTC.
MOMENT_FORMAT = "%a %Y-%m-%d %H:%M:%S %Z"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 lock`, `2 locks`, `0 floats`."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def duration(seconds: float) -> str:
    """A span for people: `8 s`, `4 min 10 s`, `2 h 5 min` (the sign is the caller's wording)."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
    return f"{seconds // 3600} h" + (f" {seconds % 3600 // 60} min" if seconds % 3600 // 60 else "")


def moment(at: datetime | str) -> str:
    """A moment for people: `Fri 2026-11-20 19:04:05 EST`. Takes an aware datetime or an ISO 8601
    string (`2026-11-21T00:04:05.123Z`, as SNS and the history store write); naive means UTC."""
    from jobs.domain.calendar import NEW_YORK

    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(NEW_YORK).strftime(MOMENT_FORMAT)

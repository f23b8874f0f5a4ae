"""How every face words counts and spans (`1 lock`, `8 s`, `2 h 5 min`): one place for CLI, TUI and jobs."""

from __future__ import annotations


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

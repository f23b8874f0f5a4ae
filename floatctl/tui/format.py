"""Small text helpers the screens share (money comes from floatctl.output, one copy)."""

from __future__ import annotations

from datetime import datetime

from floatctl.output import dollars

__all__ = ["clock_text", "coarse", "dollars", "moment", "one_line"]


def moment(at: datetime | None) -> str:
    """A moment as every screen shows it: `Fri 2026-11-20 19:31:00 EST` (jobs.words.moment, as the CLI)."""
    from jobs import words

    return words.moment(at) if at else "-"


def coarse(seconds: float) -> str:
    """A duration to the minute (`<1 min`, `10 min`, `2 h 5 min`): steady on screen, unlike seconds."""
    minutes = int(round(seconds / 60))
    if seconds < 60:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def clock_text(seconds: float) -> str:
    """A countdown as H:MM:SS."""
    seconds = int(abs(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def one_line(error: BaseException) -> str:
    """An error as one line in the TUI's words: the project's message and hint, or the type and text
    of a bug."""
    from floatctl.tui.wording import tui_words
    from jobs.errors import FloatctlError

    if isinstance(error, FloatctlError):
        return tui_words(error.message + (f" (hint: {error.hint})" if error.hint else ""))
    return f"{type(error).__name__}: {error}"

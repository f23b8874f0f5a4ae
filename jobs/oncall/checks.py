"""One preflight check's result, and the guard that turns any error into a failed check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobs.errors import FloatctlError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    skipped: bool = False  # could not be checked here (said why in detail); not a failure

    @property
    def result(self) -> str:
        return "skip" if self.skipped else "ok" if self.ok else "FAIL"

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "ok": self.ok,
            "skipped": self.skipped,
            "detail": self.detail,
            "fix": "" if self.ok else self.fix,
        }


def error_of(exc: Exception) -> str:
    """The one line a failed check shows: the adapter's translated message, else the error itself."""
    return exc.message if isinstance(exc, FloatctlError) else f"{type(exc).__name__}: {exc}"


def guard(name: str, fix: str, body: Callable[[], Check]) -> Check:
    try:
        return body()
    except Exception as exc:  # each check reports, none aborts the others
        return Check(name, False, error_of(exc), fix)

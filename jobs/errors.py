"""The project's own errors, each carrying the exit code DESIGN §5 gives it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FLOATS_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class FloatctlError(Exception):
    """A failure with a one-line message meant for a person, and the exit code to end with."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(FloatctlError):
    """Bad input: a flag, a date, a file."""

    exit_code = EXIT_USAGE


class ConfigError(FloatctlError):
    """The environment is not set up as the command needs (secrets, endpoints, names)."""

    exit_code = 1


class RefusedError(FloatctlError):
    """A guard refused the action (another run holds the lock, a run already succeeded)."""

    exit_code = EXIT_REFUSED


class DependencyError(FloatctlError):
    """A dependency (Postgres, AWS, a service) failed in a way the command cannot work around."""

    exit_code = 1


class ServiceError(Exception):
    """A call that did not give a usable answer (after retries, or one that broke the contract)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable

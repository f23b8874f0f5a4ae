"""The project's own errors, each carrying its exit code (the table: docs/decisions/usage-errors.md)."""

from __future__ import annotations

EXIT_OK = 0  # done; also when the reader of stdout left early (`floatctl preview | head -1`)
EXIT_FLOATS_FAILED = 1  # some floats FAILED, the run failed, or a config/dependency error
EXIT_USAGE = 2  # called wrong: a flag, an argument, a date, a file
EXIT_REFUSED = 3  # a guard refused, or there was nothing safe to do: nothing changed
EXIT_NEEDS_CONFIRMATION = 4  # a state change was not confirmed (no terminal and no --yes, or "no")
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


class ConfirmationNeeded(FloatctlError):
    """A state change that was not confirmed: nobody answered yes, and --yes was not given."""

    exit_code = EXIT_NEEDS_CONFIRMATION


class DependencyError(FloatctlError):
    """A dependency (Postgres, AWS, a service) failed in a way the command cannot work around."""

    exit_code = 1


class ServiceError(Exception):
    """A call that did not give a usable answer (after retries, or one that broke the contract)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


def credential_error(exc: BaseException) -> ConfigError | None:
    """No or expired AWS credentials, as one line with the fix; None for any other failure.

    Found by class name (botocore's NoCredentialsError, the SSO token errors) so botocore stays
    unimported; every adapter that translates driver errors asks this first, and so does the CLI.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"NoCredentialsError", "PartialCredentialsError"}:
        return ConfigError(
            "no AWS credentials found",
            hint="set AWS_PROFILE to a profile of this account, then `aws sso login` (or export AWS_ACCESS_KEY_ID)",
        )
    if names & {"SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError"}:
        return ConfigError(
            "the AWS SSO session has expired", hint="run `aws sso login` (with AWS_PROFILE set) and retry"
        )
    return None

"""AWS driver errors, translated once into the project's errors (procrastinate's `wrap_exceptions`).

Every adapter makes its boto3 calls inside `translated("what we were doing")`. A botocore error leaves
the block as a jobs.errors error: ConfigError for missing or expired credentials, AwsError (a
DependencyError that keeps AWS's error code) for the rest. An adapter that decides on a code (a missing
schedule, an image not found, a failed condition) catches AwsError and reads `.code` here, in
jobs/adapters; nothing above the adapters reads a botocore error (tests/jobs/adapters/test_driver_edge.py).

Boto3's guide (https://boto3.amazonaws.com/v1/documentation/api/1.26.2/guide/error-handling.html):
"Exceptions that you might encounter when using Boto3 will come from one of two sources: botocore or
the AWS services your client is interacting with." The client-side ones derive from BotoCoreError
(connection, credentials, validation); "The most common botocore exception you'll encounter is
ClientError. This is a general exception when an error response is provided by an AWS service to your
Boto3 client's request." Both are translated; anything else raised inside the
block (a KeyError reading a response) is a bug and is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from jobs.errors import DependencyError, FloatctlError, credential_error

#: botocore's client-side errors that mean the endpoint could not be reached or did not answer in time.
UNREACHABLE = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
    }
)
MESSAGE_MAX = 300


class AwsError(DependencyError):
    """An AWS call failed. `code` is AWS's error code (None when no answer came back), `status` the
    HTTP status; both are for the adapter that decides on them, the message is for people."""

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.status = status


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (or an AwsError), else None."""
    if isinstance(exc, AwsError):
        return exc.code
    error = _response(exc).get("Error")
    return error.get("Code") if isinstance(error, dict) else None


def http_status(exc: BaseException) -> int | None:
    """The HTTP status AWS answered with, else None."""
    if isinstance(exc, AwsError):
        return exc.status
    meta = _response(exc).get("ResponseMetadata")
    return meta.get("HTTPStatusCode") if isinstance(meta, dict) else None


def error_text(exc: BaseException) -> str:
    """`Code: Message` of an AWS answer, else `TypeName: text` (one line, at most MESSAGE_MAX characters)."""
    error = _response(exc).get("Error")
    if isinstance(error, dict) and error.get("Code"):
        text = f"{error['Code']}: {error.get('Message') or ''}".rstrip(": ")
    else:
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return " ".join(text.split())[:MESSAGE_MAX]


def is_driver_error(exc: BaseException) -> bool:
    """A botocore ClientError or BotoCoreError (found by class name: botocore stays unimported here)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"ClientError", "BotoCoreError"})


def translate(exc: BaseException, doing: str) -> FloatctlError:
    """The project's error for a botocore error raised while `doing` (e.g. "RunTask failed")."""
    if found := credential_error(exc):
        return found
    if type(exc).__name__ in UNREACHABLE:
        return AwsError(f"{doing}: cannot reach AWS ({type(exc).__name__})")
    return AwsError(f"{doing}: {error_text(exc)}", code=error_code(exc), status=http_status(exc))


@contextmanager
def translated(doing: str) -> Iterator[None]:
    """Run boto3 calls; a botocore error leaves as `translate(exc, doing)`, anything else unchanged."""
    try:
        yield
    except FloatctlError:
        raise
    except Exception as exc:
        if not is_driver_error(exc):
            raise
        raise translate(exc, doing) from None


def _response(exc: BaseException) -> dict:
    response = getattr(exc, "response", None)
    return response if isinstance(response, dict) else {}

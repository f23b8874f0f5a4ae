"""Drivers stop at jobs/adapters: their errors are translated once there, and no other package builds a
boto3 client or reads a botocore error. Pure unit tests (real botocore exception objects, no network)."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from jobs.adapters.aws_errors import AwsError, translated
from jobs.domain.calendar import due_window
from jobs.domain.evaluation import EvaluationError, Sources, evaluate
from jobs.domain.model import Float
from jobs.errors import ConfigError, DependencyError

REPO = Path(__file__).resolve().parents[3]
ABOVE_THE_ADAPTERS = ("jobs/oncall", "jobs/finance", "jobs/batch", "jobs/domain", "floatctl")
DRIVERS = {"boto3", "botocore", "psycopg", "psycopg_pool", "urllib3"}
DRIVER_ERRORS = {"ClientError", "BotoCoreError", "EndpointConnectionError", "NoCredentialsError"}
AWS_CODE = re.compile(r"^[A-Z][A-Za-z]+Exception$|^(AccessDenied|NotImplemented|InvalidAction)$")


def driver_uses(source: str) -> list[str]:
    """What in `source` reaches past the adapters: a boto3 client built, a driver imported, a botocore
    error caught or its response read, an AWS error code compared."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "client":
            found.append(f"{line}: .client(...)")
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] in DRIVERS]
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DRIVERS:
            found.append(f"{line}: from {node.module} import")
        if isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in DRIVER_ERRORS or name == "response" and isinstance(node, ast.Attribute):
                found.append(f"{line}: {name}")
        text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
        if text in ("Error", "ResponseMetadata", "response") or AWS_CODE.match(text):
            found.append(f"{line}: {text!r}")
    return found


def _modules_above_the_adapters() -> list[Path]:
    return [p for root in ABOVE_THE_ADAPTERS for p in sorted((REPO / root).rglob("*.py"))]


def test_no_module_above_the_adapters_touches_a_driver():
    offenders = {
        str(path.relative_to(REPO)): uses
        for path in _modules_above_the_adapters()
        if (uses := driver_uses(path.read_text()))
    }
    assert not offenders
    assert len(_modules_above_the_adapters()) > 50  # the walk found the packages


@pytest.mark.parametrize(
    "source",
    [
        'ecs = runtime.aws.client("ecs")',
        "import botocore.exceptions",
        "from psycopg import connect",
        "try:\n    x()\nexcept ClientError:\n    pass",
        'code = getattr(exc, "response", {}).get("Error", {}).get("Code")',
        'code = exc.response["Error"]["Code"]',
        'if code == "ConditionalCheckFailedException":\n    pass',
    ],
)
def test_the_scan_sees_each_way_past_the_adapters(source):
    assert driver_uses(source)


def _client_error(code: str, message: str = "no", status: int = 400) -> ClientError:
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Op")


def _raised(exc: BaseException) -> BaseException:
    try:
        with translated("RunTask failed"):
            raise exc
    except BaseException as out:  # noqa: BLE001 (the test inspects what left the block)
        return out
    raise AssertionError("nothing raised")


def test_an_aws_answer_becomes_one_line_with_its_code():
    out = _raised(_client_error("AccessDeniedException", "User: x is not\nauthorized", 403))
    assert isinstance(out, AwsError) and isinstance(out, DependencyError)
    assert out.message == "RunTask failed: AccessDeniedException: User: x is not authorized"
    assert (out.code, out.status) == ("AccessDeniedException", 403)


def test_no_credentials_is_the_configuration_error_with_its_fix():
    out = _raised(NoCredentialsError())
    assert isinstance(out, ConfigError) and out.hint and "aws sso login" in out.hint


def test_an_unreachable_endpoint_says_so():
    out = _raised(EndpointConnectionError(endpoint_url="https://ecs.us-east-1.amazonaws.com"))
    assert isinstance(out, AwsError) and out.code is None
    assert out.message == "RunTask failed: cannot reach AWS (EndpointConnectionError)"


@pytest.mark.parametrize("exc", [KeyError("taskArn"), ConfigError("already ours")])
def test_anything_but_a_driver_error_leaves_the_block_unchanged(exc):
    assert _raised(exc) is exc


def test_evaluation_fails_the_float_on_a_translated_error_and_lets_a_bug_through():
    row = Float(7, 70, "SCHEDULING", 1500, due_window(date(2026, 11, 20)).start)

    def sources(refetch):
        return Sources(SimpleNamespace(refetch=refetch), None, None)

    def translated_failure(float_id):
        raise DependencyError("Postgres main: OperationalError after 3 tries")

    def bug(float_id):
        raise KeyError("id")

    window = due_window(date(2026, 11, 20))
    with pytest.raises(EvaluationError, match="refetch: Postgres main"):
        evaluate(row, window, sources(translated_failure), 3)
    with pytest.raises(KeyError):
        evaluate(row, window, sources(bug), 3)

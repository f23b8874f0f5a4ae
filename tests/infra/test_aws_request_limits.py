"""What jobs/ sends to AWS, read-only: DynamoDB expressions and the RunTask request against AWS's limits.

moto is more lenient than AWS on every point here: it accepts reserved words in expressions, any
clientToken length and any tag characters, so the integration tests cannot catch these. The modules are
found by what they define, not by path, because jobs/ is being re-organised.
"""

from __future__ import annotations

import ast
import importlib
import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from tests.infra.support import REPO

JOBS = REPO / "jobs"
RESERVED = frozenset(
    word
    for line in (Path(__file__).parent / "dynamodb_reserved_words.txt").read_text().splitlines()
    if not line.startswith("#")
    for word in line.split()
)
EXPRESSION_KEYWORDS = {
    "KeyConditionExpression",
    "ConditionExpression",
    "UpdateExpression",
    "FilterExpression",
    "ProjectionExpression",
}
# Function names and keywords of the expression grammar itself, which may appear bare.
GRAMMAR = {
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "size",
    "if_not_exists",
    "list_append",
    "and",
    "or",
    "not",
    "between",
    "in",
    "set",
    "remove",
    "add",
    "delete",
}


@cache
def _expressions() -> list[tuple[str, int, str]]:
    """(file, line, expression) of every literal DynamoDB expression string passed in jobs/."""
    found = []
    for path in sorted(JOBS.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            pairs: list[tuple[str, ast.AST]] = []
            if isinstance(node, ast.Call):
                pairs = [(k.arg, k.value) for k in node.keywords if k.arg]
            elif isinstance(node, ast.Dict):
                pairs = [
                    (k.value, v)
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                ]
            for key, value in pairs:
                if (
                    key in EXPRESSION_KEYWORDS
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    found.append((str(path.relative_to(REPO)), value.lineno, value.value))
    return found


def _bare_names(expression: str) -> set[str]:
    """Attribute names written directly (not as #alias or :value) in an expression."""
    without_tokens = re.sub(r"[#:][A-Za-z0-9_]+", " ", expression)
    return {
        word for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", without_tokens) if word.lower() not in GRAMMAR
    }


# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html
# "The following keywords are reserved for use by DynamoDB. Don't use any of these words as attribute
# names in expressions. This list isn't case-sensitive." ... "you can define an expression attribute
# name to use in the place of the reserved word." moto accepts them; DynamoDB answers ValidationException.
def test_no_dynamodb_expression_in_jobs_uses_a_reserved_word_bare():
    expressions = _expressions()
    assert len(expressions) >= 10, "the scan found too few expressions: is jobs/ still where it was?"
    offending = [
        f"{file}:{line}: {name!r} in {expression!r}"
        for file, line, expression in expressions
        for name in _bare_names(expression)
        if name.upper() in RESERVED
    ]
    assert not offending, "use an ExpressionAttributeNames alias:\n" + "\n".join(offending)


def test_the_reserved_word_scan_catches_the_words_jobs_aliases():
    # The lock table's `ttl` really is reserved (jobs writes it as #ttl): written bare it would be flagged.
    assert "TTL" in RESERVED and "OWNER" in RESERVED and len(RESERVED) == 573
    assert _bare_names("SET lease_expires_at = :exp, #ttl = :ttl") == {"lease_expires_at"}
    assert _bare_names("ttl < :now") == {"ttl"}


@cache
def _module_defining(function: str):
    """The jobs module that defines `function`, imported (jobs/ only; nothing runs)."""
    for path in sorted(JOBS.rglob("*.py")):
        if re.search(rf"^def {function}\(", path.read_text(), re.M):
            module = ".".join(path.relative_to(REPO).with_suffix("").parts)
            return importlib.import_module(module)
    pytest.fail(f"no module in jobs/ defines {function}()", pytrace=False)


# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html (clientToken)
# "An identifier that you provide to ensure the idempotency of the request. It must be unique and is
# case sensitive. Up to 64 characters are allowed. The valid characters are characters in the range of
# 33-126, inclusive." moto does not check either rule.
def test_every_runtask_client_token_fits_ecs():
    launch = _module_defining("client_token")
    longest = launch.client_token("sandbox", date(2099, 12, 31), 999)
    request = {
        "clientToken": longest,
        "overrides": {"containerOverrides": [{"command": ["run", "day-before-ach"]}]},
        "tags": [],
    }
    # 16 is the CLI's upper bound for --shards (floatctl launch).
    tokens = [r["clientToken"] for r in _module_defining("shard_requests").shard_requests(request, 16)]
    for token in [longest, *tokens]:
        assert len(token) <= 64, token
        assert all(33 <= ord(c) <= 126 for c in token), token


# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html
# "Maximum number of tags per resource - 50", "Maximum key length - 128 Unicode characters in UTF-8",
# "Maximum value length - 256 Unicode characters in UTF-8", "Generally allowed characters are: letters,
# numbers, and spaces representable in UTF-8, and the following characters: + - = . _ : / @." and
# "Do not use aws:, AWS:, ... as a prefix for either keys or values". moto checks none of these.
_TAG_PUNCTUATION = set("+-=._:/@")


def _tag_problems(tags: list[dict[str, str]]) -> list[str]:
    problems = [] if len(tags) <= 50 else [f"{len(tags)} tags"]
    for tag in tags:
        for part, limit in (("key", 128), ("value", 256)):
            text = tag[part]
            if len(text) > limit:
                problems.append(f"{part} {text[:20]}… is {len(text)} long")
            if not all(c.isalnum() or c.isspace() or c in _TAG_PUNCTUATION for c in text):
                problems.append(f"{part} {text!r} has a character ECS tags refuse")
            if text.lower().startswith("aws:"):
                problems.append(f"{part} {text!r} uses the reserved aws: prefix")
    return problems


def _shard_tags(operator: str) -> list[dict[str, str]]:
    base = {
        "clientToken": "t",
        "overrides": {"containerOverrides": [{"command": ["run"]}]},
        "tags": [
            {"key": "job", "value": "day-before-ach"},
            {"key": "business-date", "value": "2026-11-20"},
            {"key": "trigger", "value": "manual"},
            {"key": "operator", "value": _module_defining("tag_value").tag_value(operator)},
        ],
    }
    return _module_defining("shard_requests").shard_requests(base, 16)[-1]["tags"]


def test_runtask_tags_fit_ecs_for_an_sso_operator():
    # The operator tag is the STS caller ARN (jobs.adapters.sts.caller_arn), e.g. an SSO session.
    operator = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_OnCall_0123abcd/jane.doe@example.com"
    assert not _tag_problems(_shard_tags(operator))


# IAM role and session names may contain ',' (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html),
# which ECS tags refuse: jobs.oncall.run_task.tag_value replaces it.
def test_runtask_tags_fit_ecs_for_a_role_name_with_a_comma():
    assert not _tag_problems(_shard_tags("arn:aws:sts::123456789012:assumed-role/ops,oncall/jane"))

"""Small helpers over the low-level DynamoDB client: item (de)serialisation and error translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from jobs.adapters import boto_deadline
from jobs.adapters.aws_errors import error_code
from jobs.errors import DependencyError, credential_error

_serializer: Any = None
_deserializer: Any = None


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Python values to a DynamoDB item, leaving out None."""
    global _serializer
    if _serializer is None:
        from boto3.dynamodb.types import TypeSerializer

        _serializer = TypeSerializer()
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item to Python values, numbers as int where they are whole."""
    global _deserializer
    if _deserializer is None:
        from boto3.dynamodb.types import TypeDeserializer

        _deserializer = TypeDeserializer()
    out = {}
    for key, value in item.items():
        plain = _deserializer.deserialize(value)
        if isinstance(plain, Decimal):
            plain = int(plain) if plain == plain.to_integral_value() else float(plain)
        out[key] = plain
    return out


def query(ddb: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, across pages."""
    try:
        for page in ddb.get_paginator("query").paginate(**kwargs):
            for item in page["Items"]:
                yield from_item(item)
    except Exception as exc:
        if found := credential_error(exc):
            raise found from None
        code = error_code(exc)
        if code == "ResourceNotFoundException":
            raise DependencyError(f"DynamoDB table {kwargs.get('TableName')!r} does not exist") from None
        if isinstance(exc, DependencyError):
            raise
        raise DependencyError(
            f"DynamoDB query on {kwargs.get('TableName')} failed: "
            f"{code or boto_deadline.last_cut() or type(exc).__name__}"
        ) from None


class ConditionFailed(Exception):
    """A conditional write's condition did not hold (ConditionalCheckFailedException)."""


def is_conditional_failure(exc: BaseException) -> bool:
    return isinstance(exc, ConditionFailed) or error_code(exc) == "ConditionalCheckFailedException"


def call(what: str, operation: Callable[..., Any], **kwargs: Any) -> Any:
    """Run one DynamoDB call and translate its driver errors, once: ConditionFailed for a failed
    condition, DependencyError (one line: what we were doing and the error code) for the rest."""
    try:
        return operation(**kwargs)
    except Exception as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise ConditionFailed(what) from None
        if found := credential_error(exc):
            raise found from None
        code = error_code(exc) or boto_deadline.last_cut() or type(exc).__name__
        raise DependencyError(f"DynamoDB failed while {what} ({kwargs.get('TableName')}): {code}") from None

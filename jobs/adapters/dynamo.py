"""Small helpers over the low-level DynamoDB client: item (de)serialisation and error translation."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from jobs.errors import DependencyError

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
    except ddb.exceptions.ResourceNotFoundException:
        raise DependencyError(f"DynamoDB table {kwargs.get('TableName')!r} does not exist") from None


def is_conditional_failure(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"

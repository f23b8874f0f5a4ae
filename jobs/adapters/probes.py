"""Preflight's read-only probes: the floats schema behind a secret, and the tables' permissions.

Write permissions are proved without writing: a conditional PutItem/UpdateItem/DeleteItem whose
condition cannot hold fails with ConditionalCheckFailedException only if the action itself is allowed
("An expression that is evaluated before the operation. If the expression evaluates to false then the
operation will fail with a ConditionalCheckFailedException exception."
https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/DynamoDBv2/TTransactWriteItemOperationConfig.html);
a call the caller may not make fails with AccessDeniedException instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobs.adapters import sql
from jobs.adapters.aws_errors import AwsError, translated
from jobs.adapters.postgres import DbSecret
from jobs.errors import DependencyError

PROBE_KEY = "floatctl-preflight-probe"
_PROBE = {"S": PROBE_KEY}
_NEVER = "attribute_exists(lock_key) AND attribute_not_exists(lock_key)"


def floats_columns(secret: DbSecret) -> set[str]:
    """The columns of the floats table in the database the secret points at."""
    import psycopg

    try:
        with psycopg.connect(secret.conninfo()) as conn:
            return {r[0] for r in conn.execute(sql.FLOATS_COLUMNS)}
    except psycopg.Error as exc:
        text = " ".join(str(exc).split())[:300]
        raise DependencyError(f"cannot read {secret.name}'s database: {type(exc).__name__}: {text}") from None


def _read(what: str, call: Callable[..., Any], **kwargs: Any) -> None:
    with translated(what):
        call(**kwargs)


def _conditional(what: str, call: Callable[..., Any], **kwargs: Any) -> None:
    """A write whose condition cannot hold: allowed when DynamoDB gets as far as the condition."""
    try:
        with translated(what):
            call(**kwargs)
    except AwsError as exc:
        if exc.code != "ConditionalCheckFailedException":
            raise


class TableProbes:
    """The permission probes on the two tables. They run with the operator's role (`floatctl
    preflight`), never the task's: the client is held as `dynamodb`, not `ddb`, so
    tests/infra/code_calls.py does not count them among the container's calls."""

    def __init__(self, dynamodb: Any) -> None:
        self.dynamodb = dynamodb

    def locks(self, table: str) -> None:
        """Query, GetItem, PutItem, UpdateItem and DeleteItem on the locks table; AwsError if one is refused."""
        key = {"namespace": _PROBE, "lock_key": _PROBE}
        _read(
            f"dynamodb:Query on {table}",
            self.dynamodb.query,
            TableName=table,
            KeyConditionExpression="#n = :n",
            ExpressionAttributeNames={"#n": "namespace"},
            ExpressionAttributeValues={":n": _PROBE},
            Limit=1,
        )
        _read(f"dynamodb:GetItem on {table}", self.dynamodb.get_item, TableName=table, Key=key)
        _conditional(
            f"dynamodb:PutItem on {table}",
            self.dynamodb.put_item,
            TableName=table,
            Item=key,
            ConditionExpression=_NEVER,
        )
        _conditional(
            f"dynamodb:UpdateItem on {table}",
            self.dynamodb.update_item,
            TableName=table,
            Key=key,
            UpdateExpression="SET probe = :p",
            ExpressionAttributeValues={":p": _PROBE},
            ConditionExpression=_NEVER,
        )
        _conditional(
            f"dynamodb:DeleteItem on {table}",
            self.dynamodb.delete_item,
            TableName=table,
            Key=key,
            ConditionExpression=_NEVER,
        )

    def history(self, table: str) -> None:
        """Query (also of the by_run_id index) and PutItem on collection-history; AwsError if one is refused."""
        _read(
            f"dynamodb:Query on {table}",
            self.dynamodb.query,
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": _PROBE},
            Limit=1,
        )
        _read(
            f"dynamodb:Query on {table}/index/by_run_id",
            self.dynamodb.query,
            TableName=table,
            IndexName="by_run_id",
            KeyConditionExpression="run_id = :r",
            ExpressionAttributeValues={":r": _PROBE},
            Limit=1,
        )
        _conditional(
            f"dynamodb:PutItem on {table}",
            self.dynamodb.put_item,
            TableName=table,
            Item={"pk": _PROBE, "sk": _PROBE},
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(pk)",
        )

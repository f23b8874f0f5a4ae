"""What the container's code calls in AWS, read from jobs/ with `ast`, so the task role's grants and
`floatctl preflight` are checked against the code rather than against a list kept by hand.

Scope: jobs/adapters/, where every AWS call is made (tests/jobs/adapters/test_driver_edge.py keeps every other
package free of boto3 clients). Some adapter methods serve operator-only commands (launch, stop,
schedule pause, preflight), which run with the operators' roles, not the task role:
tests/infra/test_role_grants.py decides those calls as needing no task grant and proves that only those
commands call the methods making them. Preflight's table probes (jobs/adapters/probes.py) hold their
client as `dynamodb` and are not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.infra.support import REPO

JOBS = REPO / "jobs"
CONTAINER_CODE = sorted((JOBS / "adapters").glob("*.py"))

DYNAMODB_OPERATIONS = {
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "batch_get_item",
    "batch_write_item",
    "transact_get_items",
    "transact_write_items",
}
TABLE_SETTINGS = {"locks_table", "history_table"}
CLIENTS = {"sqs", "sns", "s3", "ecs", "scheduler", "secretsmanager", "sts", "iam", "ecr", "kms", "ssm"}


def iam_action(service: str, operation: str) -> str:
    """`put_item` -> `dynamodb:PutItem`: boto3's snake_case operation as its API (and IAM action) name."""
    return f"{service}:" + "".join(part.capitalize() for part in operation.split("_"))


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _classes() -> dict[str, ast.ClassDef]:
    found = {}
    for path in sorted((JOBS / "adapters").glob("*.py")):
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.ClassDef):
                found[node.name] = node
    return found


def _table_of_classes(classes: dict[str, ast.ClassDef]) -> dict[str, str]:
    """Adapter class -> the settings field of the table it is built with, from every call site in jobs/."""
    tables: dict[str, str] = {}
    for path in sorted(JOBS.rglob("*.py")):
        for node in ast.walk(_parse(path)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in classes:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Attribute) and arg.attr in TABLE_SETTINGS:
                    assert tables.get(name, arg.attr) == arg.attr, f"{name} is built with two tables"
                    tables[name] = arg.attr
    return tables


def _init_annotations(cls: ast.ClassDef) -> dict[str, str]:
    """`self.<param>` -> the class its __init__ annotates it with (`locks: LockStore`)."""
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            return {a.arg: a.annotation.id for a in node.args.args if isinstance(a.annotation, ast.Name)}
    return {}


def _ddb_owner(receiver: ast.expr, cls: ast.ClassDef) -> str | None:
    """Whose `ddb` client an expression is: `self.ddb` -> this class, `self.locks.ddb` -> LockStore."""
    if not (isinstance(receiver, ast.Attribute) and receiver.attr == "ddb"):
        return None
    inner = receiver.value
    if isinstance(inner, ast.Name) and inner.id == "self":
        return cls.name
    if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id == "self":
        return _init_annotations(cls).get(inner.attr)
    return None


@dataclass(frozen=True)
class DynamoCall:
    """One DynamoDB operation an adapter class performs on the table of `owner` (a class)."""

    caller: str
    owner: str
    action: str


def _dynamo_calls_in(cls: ast.ClassDef) -> Iterator[DynamoCall]:
    for node in ast.walk(cls):
        # self.ddb.put_item(...) and dynamo.call(what, self.ddb.put_item, ...) alike
        if isinstance(node, ast.Attribute) and node.attr in DYNAMODB_OPERATIONS:
            owner = _ddb_owner(node.value, cls)
            if owner:
                yield DynamoCall(cls.name, owner, iam_action("dynamodb", node.attr))
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            # dynamo.query(self.ddb, ...) pages through Query
            if isinstance(func, ast.Attribute) and func.attr == "query":
                owner = _ddb_owner(node.args[0], cls)
                if owner:
                    yield DynamoCall(cls.name, owner, "dynamodb:Query")
            # self.ddb.get_paginator("query")
            if isinstance(func, ast.Attribute) and func.attr == "get_paginator":
                owner = _ddb_owner(func.value, cls)
                if owner and isinstance(node.args[0], ast.Constant):
                    yield DynamoCall(cls.name, owner, iam_action("dynamodb", node.args[0].value))


def dynamodb_calls() -> dict[str, dict[str, set[str]]]:
    """settings table field -> adapter class -> the DynamoDB IAM actions that class calls on the table."""
    classes = _classes()
    tables = _table_of_classes(classes)
    found: dict[str, dict[str, set[str]]] = {}
    for cls in classes.values():
        for call in _dynamo_calls_in(cls):
            assert call.owner in tables, f"{call.caller} calls DynamoDB on {call.owner}'s table: which table?"
            found.setdefault(tables[call.owner], {}).setdefault(call.caller, set()).add(call.action)
    return found


def dynamodb_actions_by_table() -> dict[str, set[str]]:
    """settings table field -> every DynamoDB IAM action the container's code calls on it."""
    return {table: set().union(*by_class.values()) for table, by_class in dynamodb_calls().items()}


def _client_of(receiver: ast.expr) -> str | None:
    """`sqs` for `sqs.x(...)` or `self.sqs.x(...)`; None for anything else."""
    if isinstance(receiver, ast.Name) and receiver.id in CLIENTS:
        return receiver.id
    if isinstance(receiver, ast.Attribute) and receiver.attr in CLIENTS:
        return receiver.attr
    return None


def client_calls() -> dict[tuple[str, str], list[str]]:
    """(service, boto3 operation) -> where it is called, for every non-DynamoDB AWS call in the container."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in CONTAINER_CODE:
        for node in ast.walk(_parse(path)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            service = _client_of(node.func.value)
            if service is None:
                continue
            operation = node.func.attr
            if operation == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                operation = node.args[0].value
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            found.setdefault((service, operation), []).append(where)
    return found


def service_calls() -> dict[str, set[tuple[str, str]]]:
    """Client class (`PaymentsClient`) -> the (HTTP method, path under the stage) it calls, `{}` for a
    formatted part: read from jobs/adapters/services.py's `url = f"{self.base_url}/..."` and
    `self.http.request("METHOD", url, ...)`."""
    found: dict[str, set[tuple[str, str]]] = {}
    for node in ast.walk(_parse(JOBS / "adapters" / "services.py")):
        if not isinstance(node, ast.ClassDef):
            continue
        for method in (n for n in node.body if isinstance(n, ast.FunctionDef)):
            urls = [_path_of(n.value) for n in ast.walk(method) if isinstance(n, ast.Assign)]
            urls = [u for u in urls if u]
            verbs = [
                n.args[0].value
                for n in ast.walk(method)
                if isinstance(n, ast.Call)
                and getattr(n.func, "attr", None) == "request"
                and n.args
                and isinstance(n.args[0], ast.Constant)
            ]
            if urls or verbs:
                assert len(urls) == 1 and len(set(verbs)) == 1, f"{node.name}.{method.name}: {urls} {verbs}"
                found.setdefault(node.name, set()).add((verbs[0], urls[0]))
    return found


def _path_of(value: ast.expr) -> str | None:
    """`/v1/users/{}/debit-cards` for f"{self.base_url}/v1/users/{user_id}/debit-cards", else None."""
    if not isinstance(value, ast.JoinedStr) or not value.values:
        return None
    first = value.values[0]
    if not (isinstance(first, ast.FormattedValue) and getattr(first.value, "attr", None) == "base_url"):
        return None
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in value.values[1:])

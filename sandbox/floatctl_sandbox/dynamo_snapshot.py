"""Keep the sandbox's DynamoDB tables across restarts: moto holds them only in memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobs.settings import Settings

SNAPSHOT = "dynamodb.json"


def save(directory: Path, settings: Settings, clients: Any) -> None:
    """Write every item of the two tables to DIR/dynamodb.json (the sandbox may Scan; the job never does)."""
    ddb = clients.client("dynamodb")
    data: dict[str, list[Any]] = {}
    for table in (settings.locks_table, settings.history_table):
        items: list[Any] = []
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            items.extend(page["Items"])
        data[table] = items
    tmp = directory / (SNAPSHOT + ".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(directory / SNAPSHOT)


def restore(directory: Path, settings: Settings, clients: Any) -> None:
    """Load DIR/dynamodb.json back into the freshly created tables, if there is one."""
    path = directory / SNAPSHOT
    if not path.exists():
        return
    ddb = clients.client("dynamodb")
    for table, items in json.loads(path.read_text()).items():
        for item in items:
            ddb.put_item(TableName=table, Item=item)

"""The collection-history table (PutItem + Query only)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from jobs.adapters import dynamo
from jobs.domain.keys import float_pk, run_pk
from jobs.domain.model import FloatHistory
from jobs.domain.records import FloatEvent, RunRecord, summarize


class HistoryStore:
    """Reads and writes collection-history with PutItem and Query only."""

    def __init__(self, ddb: Any, table: str) -> None:
        self.ddb = ddb
        self.table = table

    def put_event(self, event: FloatEvent) -> None:
        what = f"writing float {event.float_id}'s {event.outcome} event"
        dynamo.call(what, self.ddb.put_item, TableName=self.table, Item=dynamo.to_item(event.values()))

    def put_run(self, run: RunRecord) -> None:
        what = f"writing run record {run.run_id}"
        dynamo.call(what, self.ddb.put_item, TableName=self.table, Item=dynamo.to_item(run.values()))

    def float_events(self, float_id: int) -> list[FloatEvent]:
        """Every event of a float, newest first."""
        items = dynamo.query(
            self.ddb,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": float_pk(float_id)}},
            ScanIndexForward=False,
        )
        return [FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event"]

    def float_history(self, float_id: int, due_date: date) -> FloatHistory:
        return summarize(self.float_events(float_id), due_date)

    def runs(self, due_date: date) -> list[RunRecord]:
        """The run records of one due date, newest first."""
        items = dynamo.query(
            self.ddb,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": run_pk(due_date)}},
            ScanIndexForward=False,
        )
        return [RunRecord.from_item(i) for i in items if i.get("kind") == "run"]

    def by_run_id(self, run_id: str) -> list[dict[str, Any]]:
        """Every item (events and the run record) of one run, newest first."""
        return list(self._run_items(run_id))

    def run_events(self, run_id: str) -> Iterator[FloatEvent]:
        """One run's float events, newest first, one page at a time: a reader that folds them (the
        finance summary) holds one page, never the whole run (100k floats are ~100k items)."""
        for item in self._run_items(run_id):
            if item.get("kind") == "float_event":
                yield FloatEvent.from_item(item)

    def _run_items(self, run_id: str) -> Iterator[dict[str, Any]]:
        return dynamo.query(
            self.ddb,
            TableName=self.table,
            IndexName="by_run_id",
            KeyConditionExpression="run_id = :r",
            ExpressionAttributeValues={":r": {"S": run_id}},
            ScanIndexForward=False,
        )

    def by_user_id(self, user_id: int) -> list[FloatEvent]:
        items = dynamo.query(
            self.ddb,
            TableName=self.table,
            IndexName="by_user_id",
            KeyConditionExpression="user_id = :u",
            ExpressionAttributeValues={":u": {"N": str(user_id)}},
            ScanIndexForward=False,
        )
        return [FloatEvent.from_item(i) for i in items if i.get("kind") == "float_event"]

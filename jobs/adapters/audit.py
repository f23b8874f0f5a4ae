"""The audit ledger: every operator action that changes state, in collection-history (PutItem + Query)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from jobs.adapters import dynamo
from jobs.domain.calendar import NEW_YORK
from jobs.domain.records import iso, utc_now


def audit_pk(day: date) -> str:
    return f"audit#{day.isoformat()}"


@dataclass(frozen=True)
class AuditEvent:
    """Who did what, why, and what it looked like before and after."""

    actor: str
    action: str
    target: str
    reason: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    at: datetime = field(default_factory=utc_now)
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    trace_id: str | None = None

    def item(self) -> dict[str, Any]:
        return dynamo.to_item(
            {
                "pk": audit_pk(self.at.astimezone(NEW_YORK).date()),
                "sk": f"{iso(self.at)}#{self.event_id}",
                "kind": "audit",
                "actor": self.actor,
                "action": self.action,
                "target": self.target,
                "reason": self.reason,
                "before": json.dumps(self.before, default=str) if self.before is not None else None,
                "after": json.dumps(self.after, default=str) if self.after is not None else None,
                "at": iso(self.at),
                "event_id": self.event_id,
                "trace_id": self.trace_id,
            }
        )

    @classmethod
    def from_item(cls, values: dict[str, Any]) -> AuditEvent:
        return cls(
            actor=values.get("actor", ""),
            action=values.get("action", ""),
            target=values.get("target", ""),
            reason=values.get("reason", ""),
            before=json.loads(values["before"]) if values.get("before") else None,
            after=json.loads(values["after"]) if values.get("after") else None,
            at=datetime.fromisoformat(values["at"].replace("Z", "+00:00")),
            event_id=values.get("event_id", ""),
            trace_id=values.get("trace_id"),
        )


class AuditLog:
    """Writes and reads audit events by New York day."""

    def __init__(self, ddb: Any, table: str, trace_id: Callable[[], str | None] = lambda: None) -> None:
        self.ddb = ddb
        self.table = table
        self.trace_id = trace_id

    def record(self, event: AuditEvent) -> None:
        """Write the event, stamped with the trace it happened under (when tracing is on)."""
        if event.trace_id is None:
            event = replace(event, trace_id=self.trace_id())
        dynamo.call(
            f"writing the audit event of {event.action}",
            self.ddb.put_item,
            TableName=self.table,
            Item=event.item(),
        )

    def on(self, day: date) -> list[AuditEvent]:
        """Audit events of one New York day, newest first."""
        items = dynamo.query(
            self.ddb,
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": audit_pk(day)}},
            ScanIndexForward=False,
        )
        return [AuditEvent.from_item(i) for i in items]

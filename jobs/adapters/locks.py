"""Leases in the DynamoDB locks table (Query/Get/Put/Update/Delete; never Scan).

Every acquire and renew writes a fresh `rvn` (the fencing token); renew and release are conditional
on the `rvn` the holder last saw, so a holder that lost its lease finds out instead of clobbering.
A lock whose owner is provably dead counts as free and may be taken over.

A conditional write whose reply was lost is retried by botocore, and the retry fails its own
condition. So a conditional failure is followed by a consistent read: an item carrying the rvn we
just wrote means our write landed (docs/decisions/lost-replies.md). botocore retries a 500:
"Only errors that are plausibly transient are retried. These include socket-level failures where no
HTTP response was received ... HTTP 500, 502, 503, and 504 responses"
(https://docs.aws.amazon.com/sdk-for-python/v1/guide/config-retries.html); and GetItem's
ConsistentRead: "If set to true, then the operation uses strongly consistent reads"
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html).
The job lock's shard layouts are in job_lock.py (JobLockStore(locks), built by its caller);
Lease itself is a value of jobs.domain.leases.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from jobs.adapters import dynamo
from jobs.domain.keys import FLOAT_NAMESPACE as FLOAT_NAMESPACE
from jobs.domain.keys import JOB_NAMESPACE as JOB_NAMESPACE
from jobs.domain.leases import Lease, Member, lease_end
from jobs.errors import DependencyError

JOB_LEASE_S = 60
FLOAT_LEASE_S = 120
TTL_GRACE_S = 24 * 3600


ConditionFailed = dynamo.ConditionFailed


def now_value(now: float) -> dict[str, str]:
    """`:now` of the expiry conditions (`lease_expires_at < :now`, the negation of
    jobs.domain.leases.runs): the exact time. Whole seconds here let a stored lease hold up to a second
    past its expiry while `status`, `locks` and the preview already called it expired. DynamoDB
    compares numbers, not strings: "Numbers are sent across the network to DynamoDB as strings, to
    maximize compatibility across languages and libraries. However, DynamoDB treats them as number type
    attributes for mathematical operations."
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html)"""
    return {"N": f"{now:.6f}"}


class LeaseLost(Exception):
    """The lease changed hands (its rvn is not ours any more): stop the work it guarded."""


def lease_item(lease: Lease) -> dict[str, Any]:
    """A lease as its DynamoDB item (the top-level attributes; job_lock.py adds the layout)."""
    return dynamo.to_item(
        {
            "namespace": lease.namespace,
            "lock_key": lease.lock_key,
            "owner": lease.owner,
            "owner_task": lease.owner_task,
            "acquired_at": int(lease.acquired_at),
            "lease_expires_at": int(lease.lease_expires_at),
            "rvn": lease.rvn,
            "ttl": int(lease.lease_expires_at) + TTL_GRACE_S,
        }
    )


def lease_from_values(values: dict[str, Any]) -> Lease:
    """A stored item's values (dynamo.from_item) as a Lease, with a job lock's layout and members."""
    return Lease(
        namespace=values["namespace"],
        lock_key=values["lock_key"],
        owner=values.get("owner", ""),
        owner_task=values.get("owner_task", ""),
        acquired_at=float(values.get("acquired_at", 0)),
        lease_expires_at=float(values.get("lease_expires_at", 0)),
        rvn=values.get("rvn", ""),
        shard_count=int(values.get("shard_count", 1)),
        shards=tuple(sorted(int(i) for i in (values.get("shards") or {}))),
        joined=tuple(sorted(int(i) for i in (values.get("joined") or ()))),
        members=tuple(
            Member(
                int(i),
                m.get("owner", ""),
                m.get("owner_task", ""),
                float(m.get("lease_expires_at", 0)),
            )
            for i, m in sorted((values.get("shards") or {}).items(), key=lambda kv: int(kv[0]))
            if isinstance(m, dict)
        ),
    )


def new_rvn() -> str:
    return uuid.uuid4().hex


class LockStore:
    """Acquire, renew, release and list leases."""

    def __init__(
        self,
        ddb: Any,
        table: str,
        owner_is_dead: Callable[[str], bool] = lambda owner_task: False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ddb = ddb
        self.table = table
        self.owner_is_dead = owner_is_dead
        self.clock = clock

    def acquire(
        self, namespace: str, lock_key: str, owner: str, owner_task: str, lease_s: float
    ) -> Lease | None:
        """Take the lock if it is free, expired, or held by a provably dead owner; else None."""
        now = self.clock()
        lease = Lease(namespace, lock_key, owner, owner_task, now, lease_end(now, lease_s), new_rvn())
        what = f"acquiring {namespace}/{lock_key}"
        try:
            response = self._call(
                what,
                self.ddb.put_item,
                TableName=self.table,
                Item=lease_item(lease),
                ConditionExpression="attribute_not_exists(lock_key) OR lease_expires_at < :now",
                ExpressionAttributeValues={":now": now_value(now)},
                ReturnValues="ALL_OLD",
            )
            return replace(lease, took_over=bool(response.get("Attributes")))
        except ConditionFailed:
            pass
        held = self.get(namespace, lock_key)
        if held is None:
            return self.acquire(namespace, lock_key, owner, owner_task, lease_s)
        if held.rvn == lease.rvn:  # our put landed and its reply was lost; what it replaced is unknown
            return replace(lease, took_over=True)
        if not self.owner_is_dead(held.owner_task):
            return None
        try:
            self._call(
                what,
                self.ddb.put_item,
                TableName=self.table,
                Item=lease_item(lease),
                ConditionExpression="rvn = :rvn",
                ExpressionAttributeValues={":rvn": {"S": held.rvn}},
            )
            return replace(lease, took_over=True)
        except ConditionFailed:
            return replace(lease, took_over=True) if self._carries(lease, lease.rvn) else None

    def renew(self, lease: Lease, lease_s: float) -> Lease:
        """Extend the lease with a fresh rvn; LeaseLost when someone else holds it now."""
        now = self.clock()
        renewed = Lease(
            lease.namespace,
            lease.lock_key,
            lease.owner,
            lease.owner_task,
            lease.acquired_at,
            lease_end(now, lease_s),
            new_rvn(),
        )
        try:
            self._call(
                f"renewing {lease.namespace}/{lease.lock_key}",
                self.ddb.update_item,
                TableName=self.table,
                Key=self._key(lease.namespace, lease.lock_key),
                UpdateExpression="SET lease_expires_at = :exp, rvn = :new, #ttl = :ttl",
                ConditionExpression="rvn = :old",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":exp": {"N": str(int(renewed.lease_expires_at))},
                    ":new": {"S": renewed.rvn},
                    ":old": {"S": lease.rvn},
                    ":ttl": {"N": str(int(renewed.lease_expires_at) + TTL_GRACE_S)},
                },
            )
        except ConditionFailed:
            if not self._carries(lease, renewed.rvn):
                raise LeaseLost(
                    f"{lease.namespace}/{lease.lock_key} is no longer held with rvn {lease.rvn}"
                ) from None
        except DependencyError:
            # Cut at its deadline or failed after its retries: it may have landed all the same.
            try:
                landed = self._carries(lease, renewed.rvn)
            except DependencyError:
                landed = False
            if not landed:
                raise
        return renewed

    def release(self, lease: Lease) -> bool:
        """Delete the lock if it still carries our rvn; False when it had already changed hands."""
        return self.delete(lease.namespace, lease.lock_key, lease.rvn)

    def delete(self, namespace: str, lock_key: str, rvn: str) -> bool:
        """Delete a lock conditionally on its rvn (an operator release passes the rvn it was shown)."""
        try:
            self._call(
                f"releasing {namespace}/{lock_key}",
                self.ddb.delete_item,
                TableName=self.table,
                Key=self._key(namespace, lock_key),
                ConditionExpression="rvn = :rvn",
                ExpressionAttributeValues={":rvn": {"S": rvn}},
            )
            return True
        except ConditionFailed:
            # Gone: our delete landed and its reply was lost (or someone else deleted it after us).
            return self.get(namespace, lock_key) is None

    def get(self, namespace: str, lock_key: str) -> Lease | None:
        item = self.get_values(namespace, lock_key)
        return lease_from_values(item) if item is not None else None

    def get_values(self, namespace: str, lock_key: str) -> dict[str, Any] | None:
        """The lock's stored attributes (a consistent read), or None."""
        item = self._call(
            f"reading {namespace}/{lock_key}",
            self.ddb.get_item,
            TableName=self.table,
            Key=self._key(namespace, lock_key),
            ConsistentRead=True,
        )
        return dynamo.from_item(item["Item"]) if "Item" in item else None

    def _carries(self, lease: Lease, rvn: str) -> bool:
        """Does the lock now carry `rvn` (the one we just tried to write)?"""
        held = self.get(lease.namespace, lease.lock_key)
        return held is not None and held.rvn == rvn

    def _call(self, what: str, operation: Callable[..., Any], **kwargs: Any) -> Any:
        """One DynamoDB call: a conditional failure raises ConditionFailed, any other driver error a
        DependencyError naming what we were doing."""
        return dynamo.call(what, operation, **kwargs)

    def list(self, namespace: str, between: tuple[str, str] | None = None) -> list[Lease]:
        """Every lock in a namespace, or only those whose key sorts `between` two keys (both included),
        by one consistent Query (paged past 1 MB by dynamo.query)."""
        # "Query returns all items with that partition key value. Optionally, you can provide a sort key
        # attribute and use a comparison operator to refine the search results." and ConsistentRead: "If
        # set to true, then the operation uses strongly consistent reads"
        # (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html); "a BETWEEN b AND
        # c - true if a is greater than or equal to b, and less than or equal to c", a String sort key
        # being ordered "in order of UTF-8 bytes"
        # (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html).
        condition = "#ns = :ns"
        values = {":ns": {"S": namespace}}
        if between is not None:
            condition += " AND lock_key BETWEEN :first AND :last"
            values |= {":first": {"S": between[0]}, ":last": {"S": between[1]}}
        items = dynamo.query(
            self.ddb,
            TableName=self.table,
            KeyConditionExpression=condition,
            ExpressionAttributeNames={"#ns": "namespace"},
            ExpressionAttributeValues=values,
            ConsistentRead=True,
        )
        return [lease_from_values(i) for i in items]

    def put(self, lease: Lease) -> None:
        """Write a lease unconditionally (the sandbox's scenario loader only)."""
        dynamo.call(
            f"writing {lease.namespace}/{lease.lock_key}",
            self.ddb.put_item,
            TableName=self.table,
            Item=lease_item(lease),
        )

    @staticmethod
    def _key(namespace: str, lock_key: str) -> dict[str, Any]:
        return {"namespace": {"S": namespace}, "lock_key": {"S": lock_key}}

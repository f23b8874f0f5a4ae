"""The job lock: one run of day-before-ach per environment, whatever its shard layout.

One item, `job/day-before-ach` (jobs.domain.keys.job_lock_key), names its layout: `shard_count`,
the shards in it now (`shards`, a map of index -> that shard's own lease and rvn) and every index
that has joined (`joined`). The first task creates the layout; a shard of the same count whose
index is free joins it; anything else (another count, an index already held, a second unsharded
run) is refused while any member is alive. The unsharded run is the layout of one shard.
The top-level `lease_expires_at` follows the latest renew of any member, so the layout stays held
while one of its shards lives; the last shard to leave deletes the item.
See docs/decisions/job-lock-layouts.md.

The last shard's delete is conditional on `size(shards) = 0`: DynamoDB's condition functions include
`size (path)`, and for a map it "returns the number of child elements"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html).
Nested updates (`SET shards.#i = ...`, `REMOVE shards.#i`) use document paths, which moto accepts
as DynamoDB does.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from jobs.adapters import dynamo
from jobs.adapters.locks import (
    JOB_NAMESPACE,
    TTL_GRACE_S,
    ConditionFailed,
    LeaseLost,
    LockStore,
    lease_item,
    new_rvn,
    now_value,
)
from jobs.domain.keys import job_lock_key
from jobs.domain.leases import Lease, is_live, lease_end
from jobs.errors import DependencyError


def _entry(owner: str, owner_task: str, rvn: str, expires: float) -> dict[str, Any]:
    return {"owner": owner, "owner_task": owner_task, "rvn": rvn, "lease_expires_at": int(expires)}


class JobLockStore:
    """Join, renew and leave the one job lock (on the LockStore's table, with its liveness check)."""

    def __init__(self, locks: LockStore) -> None:
        self.locks = locks
        self.key = job_lock_key()

    def get(self) -> Lease | None:
        return self.locks.get(JOB_NAMESPACE, self.key)

    def _live_members(self, values: dict[str, Any], now: float) -> dict[int, dict[str, Any]]:
        """Members whose lease is live (jobs.domain.leases.is_live: it runs and its owner is not
        provably dead; an item without members, written by an older floatctl or a scenario, is its
        top-level holder)."""
        members = values.get("shards")
        if members is None:
            members = {"0": values}
        return {
            int(i): m
            for i, m in members.items()
            if is_live(
                float(m.get("lease_expires_at", 0)),
                now,
                lambda m=m: self.locks.owner_is_dead(m.get("owner_task", "")),
            )
        }

    def _lease(
        self, owner: str, owner_task: str, now: float, expires: float, rvn: str, index: int, count: int
    ) -> Lease:
        return Lease(
            JOB_NAMESPACE,
            self.key,
            owner,
            owner_task,
            now,
            expires,
            rvn,
            shard_index=index,
            shard_count=count,
        )

    def join(
        self, owner: str, owner_task: str, shard_index: int, shard_count: int, lease_s: float
    ) -> Lease | None:
        """This shard's lease in the layout, or None when a live run of another layout (or this index) holds it."""
        for _ in range(5):
            now = self.locks.clock()
            rvn = new_rvn()
            mine = self._lease(owner, owner_task, now, lease_end(now, lease_s), rvn, shard_index, shard_count)
            created = self._create(mine, now)
            if created is not None:
                return created
            values = self.locks.get_values(JOB_NAMESPACE, self.key)
            if values is None:
                continue  # released meanwhile: try to create it again
            if self._member_rvn(values, shard_index) == rvn:
                return replace(mine, took_over=True)  # our write landed; its reply was lost
            live = self._live_members(values, now)
            same_layout = int(values.get("shard_count", 1)) == shard_count and "shards" in values
            if same_layout and shard_index not in live:
                joined = self._join(mine, values)
                if joined is not None:
                    return joined
                continue
            if not live:
                taken = self._take_over(mine, values)
                if taken is not None:
                    return taken
                continue
            return None
        return None

    @staticmethod
    def _member_rvn(values: dict[str, Any], index: int) -> str | None:
        member = (values.get("shards") or {}).get(str(index))
        return member.get("rvn") if isinstance(member, dict) else None

    def _item(self, lease: Lease) -> dict[str, Any]:
        item = lease_item(lease)
        entry = _entry(lease.owner, lease.owner_task, lease.rvn, lease.lease_expires_at)
        item.update(
            dynamo.to_item(
                {
                    "shard_count": lease.shard_count,
                    "shards": {str(lease.shard_index): entry},
                    "joined": {lease.shard_index},
                }
            )
        )
        return item

    def _create(self, lease: Lease, now: float) -> Lease | None:
        try:
            response = dynamo.call(
                "taking the job lock",
                self.locks.ddb.put_item,
                TableName=self.locks.table,
                Item=self._item(lease),
                ConditionExpression="attribute_not_exists(lock_key) OR lease_expires_at < :now",
                ExpressionAttributeValues={":now": now_value(now)},
                ReturnValues="ALL_OLD",
            )
        except ConditionFailed:
            return None
        return replace(lease, took_over=bool(response.get("Attributes")))

    def _take_over(self, lease: Lease, held: dict[str, Any]) -> Lease | None:
        """Every member is dead or expired: replace the layout with ours."""
        try:
            dynamo.call(
                "taking over the job lock",
                self.locks.ddb.put_item,
                TableName=self.locks.table,
                Item=self._item(lease),
                ConditionExpression="rvn = :rvn",
                ExpressionAttributeValues={":rvn": {"S": held.get("rvn", "")}},
            )
        except ConditionFailed:
            values = self.locks.get_values(JOB_NAMESPACE, self.key) or {}
            return (
                replace(lease, took_over=True)
                if self._member_rvn(values, lease.shard_index) == lease.rvn
                else None
            )
        return replace(lease, took_over=True)

    def _join(self, lease: Lease, held: dict[str, Any]) -> Lease | None:
        """Join the layout as shard `lease.shard_index` (free, or its last holder is dead or expired)."""
        index = str(lease.shard_index)
        previous = self._member_rvn(held, lease.shard_index)
        condition = "shard_count = :n AND rvn = :layout AND " + (
            "shards.#i.rvn = :prev" if previous else "attribute_not_exists(shards.#i)"
        )
        values: dict[str, Any] = {
            ":n": {"N": str(lease.shard_count)},
            ":layout": {"S": held.get("rvn", "")},
            ":entry": dynamo.to_item(
                {"e": _entry(lease.owner, lease.owner_task, lease.rvn, lease.lease_expires_at)}
            )["e"],
            ":exp": {"N": str(int(lease.lease_expires_at))},
            ":ttl": {"N": str(int(lease.lease_expires_at) + TTL_GRACE_S)},
            ":i": {"NS": [index]},
        }
        if previous:
            values[":prev"] = {"S": previous}
        try:
            dynamo.call(
                "joining the job lock",
                self.locks.ddb.update_item,
                TableName=self.locks.table,
                Key=self.locks._key(JOB_NAMESPACE, self.key),
                UpdateExpression="SET shards.#i = :entry, lease_expires_at = :exp, #ttl = :ttl ADD joined :i",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#i": index, "#ttl": "ttl"},
                ExpressionAttributeValues=values,
            )
        except ConditionFailed:
            now_values = self.locks.get_values(JOB_NAMESPACE, self.key) or {}
            if self._member_rvn(now_values, lease.shard_index) != lease.rvn:
                return None
        return replace(lease, took_over=previous is not None)

    def renew(self, lease: Lease, lease_s: float) -> Lease:
        """Extend this shard's lease with a fresh rvn; LeaseLost when its entry is not ours any more."""
        now = self.locks.clock()
        renewed = replace(lease, lease_expires_at=lease_end(now, lease_s), rvn=new_rvn(), took_over=False)
        index = str(lease.shard_index)
        try:
            dynamo.call(
                "renewing the job lock",
                self.locks.ddb.update_item,
                TableName=self.locks.table,
                Key=self.locks._key(JOB_NAMESPACE, self.key),
                UpdateExpression=(
                    "SET shards.#i.lease_expires_at = :exp, shards.#i.rvn = :new, lease_expires_at = :exp, #ttl = :ttl"
                ),
                ConditionExpression="shards.#i.rvn = :old",
                ExpressionAttributeNames={"#i": index, "#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":exp": {"N": str(int(renewed.lease_expires_at))},
                    ":new": {"S": renewed.rvn},
                    ":old": {"S": lease.rvn},
                    ":ttl": {"N": str(int(renewed.lease_expires_at) + TTL_GRACE_S)},
                },
            )
        except ConditionFailed:
            values = self.locks.get_values(JOB_NAMESPACE, self.key) or {}
            if self._member_rvn(values, lease.shard_index) != renewed.rvn:
                raise LeaseLost(
                    f"job/{self.key} shard {index} is no longer held with rvn {lease.rvn}"
                ) from None
        except DependencyError:
            # Cut at its deadline or failed after its retries: it may have landed all the same.
            if not self._landed(lease.shard_index, renewed.rvn):
                raise
        return renewed

    def _landed(self, shard_index: int, rvn: str) -> bool:
        """Does our entry carry `rvn` (a write whose answer we never got)? False when it cannot be read."""
        try:
            values = self.locks.get_values(JOB_NAMESPACE, self.key) or {}
        except DependencyError:
            return False
        return self._member_rvn(values, shard_index) == rvn

    def leave(self, lease: Lease) -> bool:
        """Take this shard out of the layout; the last one out deletes the lock. False if it was not ours."""
        index = str(lease.shard_index)
        ours = True
        try:
            dynamo.call(
                "leaving the job lock",
                self.locks.ddb.update_item,
                TableName=self.locks.table,
                Key=self.locks._key(JOB_NAMESPACE, self.key),
                UpdateExpression="REMOVE shards.#i",
                ConditionExpression="shards.#i.rvn = :rvn",
                ExpressionAttributeNames={"#i": index},
                ExpressionAttributeValues={":rvn": {"S": lease.rvn}},
            )
        except ConditionFailed:
            ours = False
        values = self.locks.get_values(JOB_NAMESPACE, self.key)
        if values is None:
            return ours
        if not ours and self._member_rvn(values, lease.shard_index) is None:
            ours = True  # our REMOVE landed and its reply was lost (or a later holder left too)
        if "shards" in values and not values["shards"]:
            # A ConditionFailed: another shard joined meanwhile, or someone else deleted it.
            with contextlib.suppress(ConditionFailed):
                dynamo.call(
                    "deleting the job lock",
                    self.locks.ddb.delete_item,
                    TableName=self.locks.table,
                    Key=self.locks._key(JOB_NAMESPACE, self.key),
                    ConditionExpression="rvn = :rvn AND size(shards) = :zero",
                    ExpressionAttributeValues={":rvn": {"S": values.get("rvn", "")}, ":zero": {"N": "0"}},
                )
        return ours

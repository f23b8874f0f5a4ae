"""moto answers a DynamoDB Query by sorting the whole table; narrow it to the queried partition.

moto 5.2's `Table.query` builds `all_items()` (every item of the table, sorted) and then keeps the
queried partition: O(T log T) per Query. The batch queries each float's history while writing an
event per float, so a sandbox run of N floats cost O(N² log N): 37 s of moto CPU for 2k floats
(15 s with this), and hours for 100k. Real DynamoDB reads only the partition. For a base-table
Query with a hash key (GSI queries and scans are untouched) `all_items()` returns that partition
alone, in the same order, so moto's own partition filter keeps every item it is given.
"""

from __future__ import annotations

import threading

_local = threading.local()


def patch_moto() -> None:
    """Install the partition-scoped Query (idempotent)."""
    from moto.dynamodb.models.table import Table

    if getattr(Table, "_floatctl_partition_query", False):
        return
    query, all_items = Table.query, Table.all_items

    def partition_query(self, hash_key, *args, **kwargs):  # type: ignore[no-untyped-def]
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or hash_key is None or not self.range_key_attr:
            return query(self, hash_key, *args, **kwargs)
        _local.partition = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _local.partition = None

    def partition_items(self):  # type: ignore[no-untyped-def]
        scope = getattr(_local, "partition", None)
        if scope is None or scope[0] is not self:
            return all_items(self)
        partition = self.items.get(scope[1]) or {}  # .get: never grow moto's defaultdict
        return sorted(partition.values(), key=lambda x: (x.hash_key, x.range_key))

    Table.query = partition_query
    Table.all_items = partition_items
    Table._floatctl_partition_query = True

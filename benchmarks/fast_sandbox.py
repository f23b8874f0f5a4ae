"""Two sandbox artefacts the benchmarks remove from their private sandbox, so a figure measures the batch.

1. moto answers a table Query by sorting the whole table. moto 5.2's `Table.query` builds
   `all_items()` — every item of the table, sorted — and then keeps the queried partition: O(T log T)
   per Query. The batch queries each float's history once while it writes an event per float, so a
   run of N floats costs O(N² log N) in the sandbox (~5 ms per Query at 2k items already; 100k floats
   would take hours). Real DynamoDB reads only the partition. `patch_moto()` narrows `all_items()` to
   the queried partition for the duration of a base-table Query with a hash key (GSI queries and
   scans are untouched): the same items in the same order, since moto's own partition filter then
   keeps them all.

2. The simulator answers 40 ms late. Its handler (floatctl/sandbox/simulator.py `_Handler`) writes
   the headers and the body of a response in two send() calls with Nagle's algorithm on; on a
   keep-alive connection the body waits for the ACK of the headers, which the client delays by
   ~40 ms (delayed ACK). Every users and payments call costs ~44 ms more than `*.latency_ms` says.
   `patch_simulator()` sets the handler's `disable_nagle_algorithm` (TCP_NODELAY), as a server
   answering in two writes should.

The benchmarks start their sandbox's services process through `serve()` (benchmarks/common.py
`start_sandbox`), so the patches live only there; BENCH_STOCK_SANDBOX=1 runs the stock sandbox.
"""

from __future__ import annotations

import importlib
import runpy
import sys
import threading
from typing import Any

_local = threading.local()


def patch_moto() -> None:
    from moto.dynamodb.models.table import Table

    if getattr(Table, "_bench_indexed", False):
        return
    query, all_items = Table.query, Table.all_items

    def indexed_query(self, hash_key, *args, **kwargs):  # type: ignore[no-untyped-def]
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
        partition = self.items.get(scope[1]) or {}  # .get: never grow the defaultdict
        return sorted(partition.values(), key=lambda x: (x.hash_key, x.range_key))

    Table.query = indexed_query
    Table.all_items = partition_items
    Table._bench_indexed = True


def patch_simulator() -> None:
    from floatctl.sandbox import simulator

    simulator._Handler.disable_nagle_algorithm = True


def serve_simulator(dsn: str, conn: Any) -> None:
    """The simulator process's target (spawned, so it imports this module afresh): patch, then serve."""
    patch_simulator()
    original = importlib.import_module("floatctl.sandbox.simulator_process")._serve
    if original.__module__ != "floatctl.sandbox.simulator_process":
        raise RuntimeError("floatctl.sandbox.simulator_process._serve is patched in the simulator process")
    original(dsn, conn)


def serve(directory: str) -> None:
    """Run the sandbox's services process (floatctl.sandbox.services) with both patches."""
    from floatctl.sandbox import simulator_process

    # Pickled by reference for the spawned process: take it from the importable module, not __main__.
    target = importlib.import_module("benchmarks.fast_sandbox").serve_simulator

    patch_moto()
    simulator_process._serve = target  # SimulatorProcess.start looks its target up by name
    sys.argv = ["floatctl.sandbox.services", directory]
    runpy.run_module("floatctl.sandbox.services", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    serve(sys.argv[1])

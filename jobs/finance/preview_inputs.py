"""The preview's inputs read ahead: each float's re-fetch and history, and its page's float locks.

A few reader threads read what does not depend on the User Service while the evaluation workers
wait on it, so a worker spends its time on the one slow call. `evaluate` still asks for every input
itself, in its own order, through the page's `PageInputs` (its Sources): a value read ahead is handed
over, and a read that failed raises its error where `evaluate` asks, so every verdict, ERROR row and
earlier-rule-decides row is the one the preview reads without reading ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from jobs.domain.evaluation import Sources
from jobs.domain.keys import FLOAT_NAMESPACE, float_lock_key
from jobs.domain.leases import Lease
from jobs.domain.model import Float

if TYPE_CHECKING:
    from jobs.adapters.locks import LockStore


def reader_count(workers: int) -> int:
    """Reader threads for `workers` evaluation workers: the reads are a fraction of the users call."""
    return max(1, workers // 3)


@dataclass(frozen=True)
class Read:
    """One input read ahead: its value, or the error its read raised (raised again when asked for)."""

    value: Any = None
    error: Exception | None = None

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def _read(call: Callable[[], Any]) -> Read:
    try:
        return Read(call())
    except Exception as exc:  # kept for `evaluate` to meet, as if it had made the call itself
        return Read(error=exc)


@dataclass(frozen=True)
class FloatInputs:
    """A float's inputs that do not depend on the users call; `history` is None when not read."""

    refetch: Read
    history: Read | None


class PageInputs:
    """One page's inputs as they arrive, served to `evaluate` as its floats and history source."""

    def __init__(
        self, floats: dict[int, Future[FloatInputs]], leases: Future[dict[str, Lease]] | None
    ) -> None:
        self._floats = floats
        self._leases = leases

    def refetch(self, float_id: int) -> Float | None:
        return self._floats[float_id].result().refetch.get()

    def float_history(self, float_id: int, due_date: date) -> Any:
        history = self._floats[float_id].result().history
        assert history is not None, f"float {float_id}'s history was not read ahead"
        return history.get()

    def lease(self, float_id: int) -> Lease | None:
        """The float's lock as the page's Query found it (None: free); a failed Query raises here."""
        assert self._leases is not None, "no locks were read"
        return self._leases.result().get(float_lock_key(float_id))

    def sources(self, sources: Sources) -> Sources:
        """`sources` with the re-fetch and history served from this page (the users call stays live)."""
        return Sources(self, self if sources.history is not None else None, sources.users)


class InputReader:
    """Reads pages' inputs on its own threads, a page's float locks first, then its floats in id order."""

    def __init__(self, sources: Sources, locks: LockStore | None, threads: int) -> None:
        self._sources = sources
        self._locks = locks
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="preview-read")

    def page(self, rows: list[Float]) -> PageInputs:
        """Start reading `rows`' inputs; the answer serves each as soon as it is read."""
        leases = self._pool.submit(self._leases, rows) if self._locks is not None and rows else None
        return PageInputs({row.id: self._pool.submit(self._float, row) for row in rows}, leases)

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)

    def _float(self, row: Float) -> FloatInputs:
        refetch = _read(lambda: self._sources.floats.refetch(row.id))
        history = None
        if row.due_date is not None and self._sources.history is not None:  # as evaluate asks for it
            history = _read(lambda: self._sources.history.float_history(row.id, row.due_date))
        return FloatInputs(refetch, history)

    def _leases(self, rows: list[Float]) -> dict[str, Lease]:
        """The page's float locks by one Query: each of its keys sorts between the least and the
        greatest of them (LockStore.list cites the order), so keys of other floats in that range are
        left out here."""
        assert self._locks is not None
        keys = {float_lock_key(row.id) for row in rows}
        found = self._locks.list(FLOAT_NAMESPACE, between=(min(keys), max(keys)))
        return {lease.lock_key: lease for lease in found if lease.lock_key in keys}

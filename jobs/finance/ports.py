"""What finance needs of the runtime (jobs.runtime.Runtime builds the real adapters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from jobs.adapters.history import HistoryStore
    from jobs.adapters.services import PaymentsClient
    from jobs.adapters.sns import AlertTopic
    from jobs.settings import Settings


class FinanceRuntime(Protocol):
    settings: Settings

    def history(self) -> HistoryStore: ...

    def finance_topic(self) -> AlertTopic: ...

    def payments(self) -> PaymentsClient: ...

"""What the on-call tools need of the runtime, as Protocols (jobs.runtime.Runtime builds the real
adapters; tests/jobs/test_runtime.py proves it has every member named here)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from jobs.finance.ports import FinanceRuntime

if TYPE_CHECKING:
    from jobs.adapters.audit import AuditLog
    from jobs.adapters.ecr import EcrImages
    from jobs.adapters.ecs import EcsTasks
    from jobs.adapters.iam import PolicySimulator
    from jobs.adapters.liveness import OwnerLiveness
    from jobs.adapters.locks import LockStore
    from jobs.adapters.probes import TableProbes
    from jobs.adapters.scheduler import ScheduleClient
    from jobs.adapters.secrets import Secrets
    from jobs.adapters.services import SignedHttp
    from jobs.adapters.sns import AlertTopic, PageLedger
    from jobs.adapters.sqs import DeadLetterQueue
    from jobs.domain.evaluation import Sources
    from jobs.settings import Settings


class OncallRuntime(FinanceRuntime, Protocol):
    """Reading a night (facts), acting on it (launch, stop, recover, locks, schedule) and paging."""

    def audit(self) -> AuditLog: ...

    def operator(self) -> str: ...

    def operator_span(self, action: str, **tags: Any) -> AbstractContextManager[Any]: ...

    def liveness(self) -> OwnerLiveness: ...

    def locks(self) -> LockStore: ...

    def ecs(self) -> EcsTasks: ...

    def schedule(self) -> ScheduleClient: ...

    def dead_letters(self, arn: str) -> DeadLetterQueue: ...

    def alert_topic(self) -> AlertTopic: ...

    def page_ledger(self) -> PageLedger: ...

    def sources(self) -> Sources: ...


class PreflightRuntime(Protocol):
    """What `floatctl preflight` reads (nothing is changed)."""

    settings: Settings

    def schedule(self) -> ScheduleClient: ...

    def ecs(self) -> EcsTasks: ...

    def secrets(self) -> Secrets: ...

    def images(self) -> EcrImages: ...

    def simulator(self) -> PolicySimulator: ...

    def dead_letters(self, arn: str) -> DeadLetterQueue: ...

    def table_probes(self) -> TableProbes: ...

    def probe_http(self) -> SignedHttp: ...

"""Build the adapters from the settings: the one place that wires jobs together.

jobs/oncall/ports.py and jobs/finance/ports.py say, as Protocols, what the on-call tools and finance
need of it; tests/jobs/test_runtime.py proves Runtime has every member they name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jobs.adapters.aws import AwsClients
from jobs.settings import Settings

if TYPE_CHECKING:
    from jobs.adapters.audit import AuditLog
    from jobs.adapters.ecr import EcrImages
    from jobs.adapters.ecs import EcsTasks
    from jobs.adapters.history import HistoryStore
    from jobs.adapters.iam import PolicySimulator
    from jobs.adapters.job_lock import JobLockStore
    from jobs.adapters.liveness import OwnerLiveness
    from jobs.adapters.locks import LockStore
    from jobs.adapters.postgres import FloatsStore
    from jobs.adapters.previews import PreviewStore
    from jobs.adapters.probes import TableProbes
    from jobs.adapters.scheduler import ScheduleClient
    from jobs.adapters.secrets import Secrets
    from jobs.adapters.services import PaymentsClient, SignedHttp, UsersClient
    from jobs.adapters.sns import AlertTopic, PageLedger
    from jobs.adapters.sqs import DeadLetterQueue, Queue
    from jobs.batch.ports import Adapters
    from jobs.domain.evaluation import Sources


@dataclass
class Runtime:
    """The adapters for one process, built on first use and closed together."""

    settings: Settings
    aws: AwsClients
    pool_size: int = 8  # Postgres connections
    connections: int = 32  # HTTP connections per AWS client and for the services
    _floats: Any = None
    _http: Any = None
    _tracing: Any = None

    @classmethod
    def from_settings(cls, settings: Settings, pool_size: int = 8, threads: int = 0) -> Runtime:
        """`threads`: how many threads may call out at once (the run's workers and submitters)."""
        connections = max(32, pool_size * 2, threads + 2)
        return cls(settings, AwsClients(settings, max_connections=connections), pool_size, connections)

    def floats(self) -> FloatsStore:
        if self._floats is None:
            from jobs.adapters.postgres import FloatsStore, load_secrets
            from jobs.observe import redact

            main, replica = load_secrets(
                self.aws.client("secretsmanager"), self.settings.main_secret, self.settings.replica_secret
            )
            redact.register(main.password, replica.password)
            self._floats = FloatsStore(main, replica, pool_size=self.pool_size)
        return self._floats

    def history(self) -> HistoryStore:
        from jobs.adapters.history import HistoryStore

        return HistoryStore(self.aws.client("dynamodb"), self.settings.history_table)

    def audit(self) -> AuditLog:
        from jobs.adapters.audit import AuditLog

        return AuditLog(self.aws.client("dynamodb"), self.settings.history_table, self.tracing().trace_id)

    def tracing(self) -> Any:
        """Spans for operator actions: ddtrace when DD_TRACE_ENABLED, else none (ddtrace not imported)."""
        if self._tracing is None:
            from jobs.observe import telemetry

            self._tracing = telemetry.tracing_from_env()
        return self._tracing

    @contextmanager
    def operator_span(self, action: str, **tags: Any) -> Iterator[Any]:
        """A span around one state-changing operator action; its trace id goes to the audit event."""
        with self.tracing().span(f"floatctl.{action}", env=self.settings.env, **tags) as span:
            yield span

    def operator(self) -> str:
        """The STS identity of whoever runs this command."""
        from jobs.adapters.sts import caller_arn

        return caller_arn(self.aws.client("sts"))

    def liveness(self) -> OwnerLiveness:
        from jobs.adapters.liveness import OwnerLiveness

        return OwnerLiveness(self.aws.client("ecs"), self.settings.cluster)

    def locks(self) -> LockStore:
        from jobs.adapters.locks import LockStore

        return LockStore(
            self.aws.client("dynamodb"), self.settings.locks_table, owner_is_dead=self.liveness()
        )

    def job_lock(self) -> JobLockStore:
        """The environment's one job lock, on the locks table (with the same liveness check)."""
        from jobs.adapters.job_lock import JobLockStore

        return JobLockStore(self.locks())

    def ecs(self) -> EcsTasks:
        from jobs.adapters.ecs import EcsTasks

        return EcsTasks(self.aws.client("ecs"), self.settings.cluster)

    def schedule(self) -> ScheduleClient:
        from jobs.adapters.scheduler import ScheduleClient

        return ScheduleClient(
            self.aws.client("scheduler"), self.settings.schedule_name, self.settings.schedule_group
        )

    def dead_letters(self, arn: str) -> DeadLetterQueue:
        from jobs.adapters.sqs import DeadLetterQueue

        return DeadLetterQueue(self.aws.client("sqs"), arn)

    def queue(self, name: str) -> Queue:
        from jobs.adapters.sqs import Queue

        return Queue(self.aws.client("sqs"), name)

    def alert_topic(self) -> AlertTopic:
        """On-call's topic (FLOATCTL_ALERT_TOPIC_ARN, else alert_topic_name in this account)."""
        from jobs.adapters.sns import AlertTopic, topic_arn

        return AlertTopic(self.aws.client("sns"), topic_arn(self.settings, self.aws.client("sts")))

    def finance_topic(self) -> AlertTopic:
        """Finance's topic (FLOATCTL_FINANCE_TOPIC_ARN, else finance_topic_name in this account)."""
        from jobs.adapters.sns import AlertTopic, topic_arn

        settings = self.settings
        arn = topic_arn(
            settings, self.aws.client("sts"), settings.finance_topic_arn, settings.finance_topic_name
        )
        return AlertTopic(self.aws.client("sns"), arn)

    def page_ledger(self) -> PageLedger:
        from jobs.adapters.sns import PageLedger

        return PageLedger(self.aws.client("dynamodb"), self.settings.history_table)

    def previews(self) -> PreviewStore:
        """Where signed-off previews are kept (jobs.adapters.previews.preview_store)."""
        from jobs.adapters.previews import preview_store

        return preview_store(self.settings, lambda: self.aws.client("s3"))

    def secrets(self) -> Secrets:
        from jobs.adapters.secrets import Secrets

        return Secrets(self.aws.client("secretsmanager"))

    def images(self) -> EcrImages:
        from jobs.adapters.ecr import EcrImages

        return EcrImages(self.aws.client("ecr"))

    def simulator(self) -> PolicySimulator:
        from jobs.adapters.iam import PolicySimulator

        return PolicySimulator(self.aws.client("iam"))

    def table_probes(self) -> TableProbes:
        from jobs.adapters.probes import TableProbes

        return TableProbes(self.aws.client("dynamodb"))

    def probe_http(self) -> SignedHttp:
        """A signed HTTP client that tries once with a short timeout: preflight's service probes."""
        from jobs.adapters.services import RetryPolicy, SignedHttp

        return SignedHttp(
            self.aws.credentials, self.settings.region, RetryPolicy(attempts=1, read_timeout_s=5)
        )

    def http(self) -> SignedHttp:
        if self._http is None:
            from jobs.adapters.services import RetryPolicy, SignedHttp

            policy = RetryPolicy(
                attempts=self.settings.http_attempts, read_timeout_s=self.settings.http_read_timeout_s
            )
            self._http = SignedHttp(
                self.aws.credentials, self.settings.region, policy, pool_size=self.connections
            )
        return self._http

    def users(self) -> UsersClient:
        from jobs.adapters.services import UsersClient

        return UsersClient(self.http(), self.settings.users_api_url)

    def payments(self) -> PaymentsClient:
        from jobs.adapters.services import PaymentsClient

        return PaymentsClient(self.http(), self.settings.payments_api_url)

    def sources(self) -> Sources:
        """A preview's inputs: history reads back unknown keys as the run will, and records nothing."""
        from jobs.batch.readback import ReadBackHistory
        from jobs.domain.evaluation import Sources

        history = ReadBackHistory(self.history(), self.payments(), record=False)
        return Sources(self.floats(), history, self.users())

    def adapters(self, rate: float) -> Adapters:
        from jobs.adapters.job_lock import JobLockStore
        from jobs.batch.limiter import RateLimiter
        from jobs.batch.ports import Adapters

        locks = self.locks()
        return Adapters(
            floats=self.floats(),
            history=self.history(),
            locks=locks,
            job_lock=JobLockStore(locks),
            users=self.users(),
            payments=self.payments(),
            limiter=RateLimiter(rate),
        )

    def close(self) -> None:
        if self._tracing is not None:
            self._tracing.close()
        if self._floats is not None:
            self._floats.close()

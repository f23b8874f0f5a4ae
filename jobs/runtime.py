"""Build the batch's adapters from the settings: the one place that wires jobs together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from jobs.adapters.aws import AwsClients
from jobs.settings import Settings


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

    def floats(self) -> Any:
        if self._floats is None:
            from jobs.adapters.postgres import FloatsStore, load_secrets
            from jobs.observe import redact

            main, replica = load_secrets(
                self.aws.client("secretsmanager"), self.settings.main_secret, self.settings.replica_secret
            )
            redact.register(main.password, replica.password)
            self._floats = FloatsStore(main, replica, pool_size=self.pool_size)
        return self._floats

    def history(self) -> Any:
        from jobs.adapters.history import HistoryStore

        return HistoryStore(self.aws.client("dynamodb"), self.settings.history_table)

    def audit(self) -> Any:
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
        from jobs.oncall.launch import operator_identity

        return operator_identity(self.aws.client("sts"))

    def liveness(self) -> Any:
        from jobs.adapters.liveness import OwnerLiveness

        return OwnerLiveness(self.aws.client("ecs"), self.settings.cluster)

    def locks(self) -> Any:
        from jobs.adapters.locks import LockStore

        return LockStore(
            self.aws.client("dynamodb"), self.settings.locks_table, owner_is_dead=self.liveness()
        )

    def job_lock(self) -> Any:
        """The environment's one job lock, on the locks table (with the same liveness check)."""
        from jobs.adapters.job_lock import JobLockStore

        return JobLockStore(self.locks())

    def http(self) -> Any:
        if self._http is None:
            from jobs.adapters.services import RetryPolicy, SignedHttp

            policy = RetryPolicy(
                attempts=self.settings.http_attempts, read_timeout_s=self.settings.http_read_timeout_s
            )
            self._http = SignedHttp(
                self.aws.credentials, self.settings.region, policy, pool_size=self.connections
            )
        return self._http

    def users(self) -> Any:
        from jobs.adapters.services import UsersClient

        return UsersClient(self.http(), self.settings.users_api_url)

    def payments(self) -> Any:
        from jobs.adapters.services import PaymentsClient

        return PaymentsClient(self.http(), self.settings.payments_api_url)

    def sources(self) -> Any:
        from jobs.domain.evaluation import Sources

        return Sources(self.floats(), self.history(), self.users())

    def adapters(self, rate: float) -> Any:
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

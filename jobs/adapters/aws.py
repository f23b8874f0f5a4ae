"""boto3 clients built once per process from the settings, honouring the sandbox endpoint."""

from __future__ import annotations

import threading
from typing import Any

from jobs.adapters import boto_deadline
from jobs.settings import Settings


class AwsClients:
    """Lazily built, thread-safe boto3 clients (boto3 clients are safe to share across threads)."""

    def __init__(self, settings: Settings, max_connections: int = 32) -> None:
        self.settings = settings
        self.max_connections = max_connections  # per client: one per thread that may call at once
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def session(self) -> Any:
        import boto3

        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session(
                    region_name=self.settings.region,
                    aws_access_key_id=self.settings.aws_access_key_id,
                    aws_secret_access_key=self.settings.aws_secret_access_key,
                )
            return self._session

    def client(self, service: str) -> Any:
        """The client for `service`, with timeouts, boto3's standard bounded retries and a total deadline."""
        from botocore.config import Config

        session = self.session
        with self._lock:
            if service not in self._clients:
                config = Config(
                    connect_timeout=5,
                    read_timeout=20,
                    retries={"mode": "standard", "max_attempts": 5},
                    max_pool_connections=self.max_connections,
                    # A custom endpoint (the sandbox's moto on 127.0.0.1) has no bucket subdomains.
                    s3={"addressing_style": "path"} if self.settings.aws_endpoint_url else None,
                )
                # Every call under a total deadline (boto_deadline.py): the timeouts above bound a read.
                self._clients[service] = boto_deadline.install(
                    session.client(service, endpoint_url=self.settings.aws_endpoint_url, config=config)
                )
            return self._clients[service]

    def credentials(self) -> Any:
        """Frozen credentials for signing calls to API Gateway (execute-api)."""
        from jobs.adapters.aws_errors import translated

        with translated("cannot read the AWS credentials"):
            creds = self.session.get_credentials()
            if creds is None:
                from jobs.errors import ConfigError

                raise ConfigError("no AWS credentials found (set AWS_PROFILE or run with a task role)")
            frozen = creds.get_frozen_credentials()
        from jobs.observe import redact

        redact.register(frozen.secret_key, frozen.token)
        return frozen

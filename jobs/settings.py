"""One typed settings object shared by the container and the CLI.

Precedence for every field: an explicit argument (a CLI flag) > an environment variable > the
default derived from the environment name (DESIGN §3).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from jobs.errors import UsageError

ENVIRONMENTS = ("sandbox", "test", "prod")


@dataclass(frozen=True)
class Settings:
    """Where floatctl acts: the environment and every resource name derived from it."""

    env: str = field(default="sandbox", metadata={"var": "FLOATCTL_ENV", "doc": "sandbox, test or prod"})
    region: str = field(
        default="us-east-1", metadata={"var": "AWS_REGION", "doc": "AWS region of every client"}
    )
    aws_endpoint_url: str | None = field(
        default=None,
        metadata={"var": "AWS_ENDPOINT_URL", "doc": "one endpoint for every AWS API (the sandbox's moto)"},
    )
    aws_access_key_id: str | None = field(
        default=None,
        metadata={"doc": "explicit credentials (the sandbox only); None uses boto3's own chain"},
    )
    aws_secret_access_key: str | None = field(default=None, metadata={"doc": "pairs with aws_access_key_id"})
    cluster: str = field(
        default="{site}-floats", metadata={"var": "FLOATCTL_CLUSTER", "doc": "ECS cluster", "template": True}
    )
    task_family: str = field(
        default="{site}-floats-day-before-ach",
        metadata={"var": "FLOATCTL_TASK_FAMILY", "doc": "task definition family", "template": True},
    )
    schedule_name: str = field(
        default="{site}-floats-day-before-ach",
        metadata={"var": "FLOATCTL_SCHEDULE_NAME", "doc": "EventBridge Scheduler schedule", "template": True},
    )
    schedule_group: str = field(
        default="default", metadata={"var": "FLOATCTL_SCHEDULE_GROUP", "doc": "the schedule's group"}
    )
    app_container: str = field(
        default="collections-jobs",
        metadata={"var": "FLOATCTL_APP_CONTAINER", "doc": "the app container's name in the task"},
    )
    locks_table: str = field(
        default="{site}-floats-locks",
        metadata={"var": "FLOATCTL_LOCKS_TABLE", "doc": "DynamoDB locks table", "template": True},
    )
    history_table: str = field(
        default="{site}-floats-collection-history",
        metadata={"var": "FLOATCTL_HISTORY_TABLE", "doc": "DynamoDB collection-history", "template": True},
    )
    main_secret: str = field(
        default="{site}/floats/rds/main",
        metadata={"var": "FLOATCTL_MAIN_SECRET", "doc": "RDS secret of the primary", "template": True},
    )
    replica_secret: str = field(
        default="{site}/floats/rds/replica",
        metadata={"var": "FLOATCTL_REPLICA_SECRET", "doc": "RDS secret of the replica", "template": True},
    )
    payments_api_url: str | None = field(
        default=None, metadata={"var": "PAYMENTS_API_URL", "doc": "Payments Service base URL"}
    )
    users_api_url: str | None = field(
        default=None, metadata={"var": "USERS_API_URL", "doc": "User Service base URL"}
    )
    task_arn: str | None = field(
        default=None,
        metadata={"var": "FLOATCTL_TASK_ARN", "doc": "this process's ECS task ARN (set by local Fargate)"},
    )
    http_read_timeout_s: float = field(
        default=10.0,
        metadata={"var": "FLOATCTL_HTTP_READ_TIMEOUT_S", "doc": "read timeout of each Payments/Users call"},
    )
    http_attempts: int = field(
        default=4,
        metadata={"var": "FLOATCTL_HTTP_ATTEMPTS", "doc": "attempts per service call, first included"},
    )
    preview_dir: str | None = field(
        default=None,
        metadata={"var": "FLOATCTL_PREVIEW_DIR", "doc": "where `preview --save` keeps signed-off previews"},
    )
    sandbox_dir: str | None = field(
        default=None,
        metadata={"var": "FLOATCTL_SANDBOX_DIR", "doc": "sandbox state (default: user data dir)"},
    )
    job_lease_s: float = field(
        default=60.0,
        metadata={
            "var": "FLOATCTL_JOB_LEASE_S",
            "doc": "job lock lease; the heartbeat renews it (fault trials shorten it)",
        },
    )
    float_lease_s: float = field(
        default=120.0,
        metadata={
            "var": "FLOATCTL_FLOAT_LEASE_S",
            "doc": "float lock lease, from evaluation to the history write",
        },
    )

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from explicit overrides, then the environment, then the defaults."""
        environ = os.environ if environ is None else environ
        env = overrides.get("env") or environ.get("FLOATCTL_ENV") or "sandbox"
        if env not in ENVIRONMENTS:
            raise UsageError(f"unknown environment {env!r}: choose one of {', '.join(ENVIRONMENTS)}")
        values: dict[str, object] = {"env": env}
        for f in fields(cls):
            if f.name == "env":
                continue
            var = f.metadata.get("var")
            if overrides.get(f.name) is not None:
                values[f.name] = overrides[f.name]
            elif f.name == "region" and not environ.get("AWS_REGION") and environ.get("AWS_DEFAULT_REGION"):
                values[f.name] = environ["AWS_DEFAULT_REGION"]
            elif var and environ.get(var):
                values[f.name] = _convert(f.name, var, environ[var], f.default)
            elif f.metadata.get("template"):
                values[f.name] = str(f.default).format(site=env)
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, **values: object) -> Settings:
        """A copy with some fields replaced (the sandbox fills in its endpoints this way)."""
        return replace(self, **values)  # type: ignore[arg-type]

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"


def _convert(name: str, var: str, text: str, default: object) -> object:
    if isinstance(default, bool) or not isinstance(default, int | float):
        return text
    try:
        value = type(default)(text)
    except ValueError:
        raise UsageError(f"{var}={text!r}: {name} must be a number") from None
    if value <= 0:
        raise UsageError(f"{var}={text!r}: {name} must be positive")
    return value


def describe_fields() -> list[tuple[str, str, str]]:
    """(field, environment variable, documentation) for docs and `--help`."""
    return [(f.name, f.metadata.get("var", ""), f.metadata.get("doc", "")) for f in fields(Settings)]

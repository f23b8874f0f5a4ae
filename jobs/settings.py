"""One typed settings object shared by the container and the CLI.

Precedence for every field: an explicit argument (a CLI flag) > an environment variable > the
default derived from the environment name (docs/configuration.md).
"""

from __future__ import annotations

import math
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
        metadata={
            "min": 0.1,
            "max": 120.0,
            "var": "FLOATCTL_HTTP_READ_TIMEOUT_S",
            "doc": "read timeout of each Payments/Users call",
        },
    )
    http_attempts: int = field(
        default=4,
        metadata={
            "min": 1,
            "max": 10,
            "var": "FLOATCTL_HTTP_ATTEMPTS",
            "doc": "attempts per service call, first included",
        },
    )
    # The batch's knobs (the seed's defaults). Flags of `run`/`preview` override them; the
    # TUI and the container read them from here, so every face runs with the same values.
    payment_submit_rate: float = field(
        default=5.0,
        metadata={
            "var": "FLOATCTL_PAYMENT_SUBMIT_RATE",
            "doc": "Payments submissions per second, strict in any 1 s window",
            "knob": True,
        },
    )
    workers: int = field(
        default=5,
        metadata={
            "min": 1,
            "max": 256,
            "var": "FLOATCTL_WORKERS",
            "doc": "evaluation threads of a run",
            "knob": True,
        },
    )
    page_size: int = field(
        default=50,
        metadata={
            "min": 1,
            "max": 10_000,
            "var": "FLOATCTL_PAGE_SIZE",
            "doc": "floats per replica page",
            "knob": True,
        },
    )
    channel_buffer: int = field(
        default=0,
        metadata={
            "var": "FLOATCTL_CHANNEL_BUFFER",
            "doc": "producer queue depth (0 = workers)",
            "knob": True,
            "min": 0,
            "max": 10_000,
        },
    )
    max_ach_attempts: int = field(
        default=3,
        metadata={
            "min": 1,
            "max": 100,
            "var": "FLOATCTL_MAX_ACH_ATTEMPTS",
            "doc": "skip floats with this many ACH attempts (the attempt cap)",
            "knob": True,
        },
    )
    shard_index: int = field(
        default=0,
        metadata={
            "var": "FLOATCTL_SHARD_INDEX",
            "doc": "this task's shard (0-based)",
            "knob": True,
            "min": 0,
            "max": 63,
        },
    )
    shard_count: int = field(
        default=1,
        metadata={
            "min": 1,
            "max": 64,
            "var": "FLOATCTL_SHARD_COUNT",
            "doc": "tasks sharing the window; each takes rate/count",
            "knob": True,
        },
    )
    preview_workers: int = field(
        default=16,
        metadata={
            "min": 1,
            "max": 256,
            "var": "FLOATCTL_PREVIEW_WORKERS",
            "doc": "evaluation threads of a preview (read-only)",
        },
    )
    alert_topic_arn: str | None = field(
        default=None,
        metadata={
            "var": "FLOATCTL_ALERT_TOPIC_ARN",
            "doc": "SNS topic `floatctl watch` pages to (default: alert_topic_name in this account)",
        },
    )
    alert_topic_name: str = field(
        default="{site}-floats-day-before-ach-alerts",
        metadata={"var": "FLOATCTL_ALERT_TOPIC_NAME", "doc": "the alert topic's name", "template": True},
    )
    finance_topic_arn: str | None = field(
        default=None,
        metadata={
            "var": "FLOATCTL_FINANCE_TOPIC_ARN",
            "doc": "SNS topic finance hears the night's summary on (default: finance_topic_name in this account)",
        },
    )
    finance_topic_name: str = field(
        default="{site}-floats-day-before-ach-finance",
        metadata={"var": "FLOATCTL_FINANCE_TOPIC_NAME", "doc": "the finance topic's name", "template": True},
    )
    preview_bucket: str = field(
        default="{site}-floats-signed-off-previews",
        metadata={
            "var": "FLOATCTL_PREVIEW_BUCKET",
            "doc": "S3 bucket of signed-off previews, shared by finance, on-call and the run",
            "template": True,
        },
    )
    preview_dir: str | None = field(
        default=None,
        metadata={
            "var": "FLOATCTL_PREVIEW_DIR",
            "doc": "keep signed-off previews as files in this directory instead of the bucket (offline)",
        },
    )
    sandbox_dir: str | None = field(
        default=None,
        metadata={"var": "FLOATCTL_SANDBOX_DIR", "doc": "sandbox state (default: user data dir)"},
    )
    job_lease_s: float = field(
        default=60.0,
        metadata={
            "min": 3.0,
            "max": 3600.0,
            "var": "FLOATCTL_JOB_LEASE_S",
            "doc": "job lock lease; the heartbeat renews it (fault trials shorten it)",
        },
    )
    float_lease_s: float = field(
        default=120.0,
        metadata={
            "min": 3.0,
            "max": 3600.0,
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

    def knobs(self, **flags: object) -> dict[str, object]:
        """The batch's knobs: each flag given (not None) wins over these settings (env or default)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.metadata.get("knob")}
        unknown = set(flags) - set(values)
        if unknown:
            raise TypeError(f"not a batch knob: {', '.join(sorted(unknown))}")
        values.update({name: value for name, value in flags.items() if value is not None})
        return values


MAX_PAYMENT_SUBMIT_RATE = 1000.0  # 200x the default: anything above is a typo (1e9, an extra 0)
MIN_PAYMENT_SUBMIT_RATE = 0.01


def rate_problem(value: float) -> str | None:
    """Why a payment submit rate cannot be used (`inf`, `nan`, `1e9` are typos, not plans), or None."""
    if not math.isfinite(value):
        return f"{value!r} is not a finite number of submissions per second"
    if not MIN_PAYMENT_SUBMIT_RATE <= value <= MAX_PAYMENT_SUBMIT_RATE:
        return f"{value:g} is outside {MIN_PAYMENT_SUBMIT_RATE:g}..{MAX_PAYMENT_SUBMIT_RATE:g} submissions per second"
    return None


def bounds(name: str) -> tuple[float, float]:
    """The lowest and highest value of a numeric setting: one rule for its flag and its variable."""
    if name == "payment_submit_rate":
        return MIN_PAYMENT_SUBMIT_RATE, MAX_PAYMENT_SUBMIT_RATE
    f = next(f for f in fields(Settings) if f.name == name)
    return f.metadata["min"], f.metadata["max"]


def _convert(name: str, var: str, text: str, default: object) -> object:
    if isinstance(default, bool) or not isinstance(default, int | float):
        return text
    try:
        value = type(default)(text)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise UsageError(f"{var}={text!r}: {name} must be {kind}") from None
    if name == "payment_submit_rate":
        if problem := rate_problem(value):
            raise UsageError(f"{var}={text!r}: {problem}")
        return value
    lowest, highest = bounds(name)
    if not lowest <= value <= highest:  # nan and inf fail too
        raise UsageError(f"{var}={text!r}: {name} must be between {lowest:g} and {highest:g}")
    return value


def field_help(name: str) -> str:
    """`<doc> (default D; env VAR)` for a settings field: the help text of the flag that overrides it."""
    f = next(f for f in fields(Settings) if f.name == name)
    return f"{f.metadata['doc']} (default {f.default}; env {f.metadata['var']})"


def describe_fields() -> list[tuple[str, str, str]]:
    """(field, environment variable, documentation) for docs and `--help`."""
    return [(f.name, f.metadata.get("var", ""), f.metadata.get("doc", "")) for f in fields(Settings)]

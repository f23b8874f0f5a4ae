"""The app container's environment in the sandbox: a value for every variable terraform gives it.

terraform/fargate_collections_jobs.tf sets the `collections-jobs` container's environment
(`container_settings`); the sandbox's task definition (provision.py) and the container smoke
(tools/container-smoke/task_env.py) both take their values from `app_environment`, so a run started
through ECS in the sandbox reads the shared previews bucket and tells the finance topic as in AWS.
tests/infra/test_sandbox_task_environment.py checks the names against terraform's.
"""

from __future__ import annotations

from jobs.settings import Settings

ACCOUNT = "123456789012"  # moto's default account


def preview_bucket_name(settings: Settings) -> str:
    """The sandbox's bucket of signed-off previews, named as terraform names test's and prod's."""
    return f"{settings.env}-floats-signed-off-previews"


def topic_arn(settings: Settings, name: str) -> str:
    """An SNS topic of the sandbox's account, by name."""
    return f"arn:aws:sns:{settings.region}:{ACCOUNT}:{name}"


def app_environment(settings: Settings) -> dict[str, str]:
    """Every variable of terraform's app container, in its order, with this sandbox's values
    (`settings` as `sandbox_settings` fills them: the services' URL is the simulator's)."""
    site = settings.env
    return {
        "FLOATCTL_ENV": site,
        "FLOATCTL_STARTED_BY": "schedule",  # a launch overrides it with the operator
        "FLOATCTL_CLUSTER": settings.cluster,
        "FLOATCTL_LOCKS_TABLE": settings.locks_table,
        "FLOATCTL_HISTORY_TABLE": settings.history_table,
        "FLOATCTL_MAIN_SECRET": settings.main_secret,
        "FLOATCTL_REPLICA_SECRET": settings.replica_secret,
        "FLOATCTL_ALERT_TOPIC_ARN": topic_arn(settings, settings.alert_topic_name),
        "FLOATCTL_FINANCE_TOPIC_ARN": topic_arn(settings, settings.finance_topic_name),
        "FLOATCTL_PREVIEW_BUCKET": preview_bucket_name(settings),
        "PAYMENTS_API_URL": settings.payments_api_url or "",
        "USERS_API_URL": settings.users_api_url or "",
        "AWS_REGION": settings.region,
        "DD_AGENT_HOST": "localhost",
        "DD_TRACE_AGENT_PORT": "8126",
        "DD_DOGSTATSD_PORT": "8125",
        "DD_SERVICE": "collections-jobs",
        "DD_ENV": site,
        "DD_VERSION": "sandbox",
        # No agent runs in the sandbox: tracing stays off unless a test turns it on.
        "DD_TRACE_ENABLED": "false",
    }

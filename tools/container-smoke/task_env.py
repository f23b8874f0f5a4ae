"""The app container's environment as terraform writes it, pointed at the host sandbox: a podman --env-file.

Every variable of the `collections-jobs` container in terraform/fargate_collections_jobs.tf is read
from that file (parsed as tests/infra parses it) and given its sandbox value; a name this script does not know stops the smoke (a new
variable in terraform must be thought about here too). Fargate adds credentials from the task role;
here they are moto's. The one extra is AWS_ENDPOINT_URL, the sandbox's moto server.

Usage: task_env.py SANDBOX_DIR > env-file   (run with the host's .venv python: it reads the sandbox)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from floatctl_sandbox.control import find  # noqa: E402
from floatctl_sandbox.provision import preview_bucket_name  # noqa: E402
from jobs.settings import Settings  # noqa: E402
from tests.infra.support import load_terraform  # noqa: E402

ACCOUNT = "123456789012"  # moto's default account


def terraform_names() -> list[str]:
    """The app container's environment variable names, in terraform's order."""
    terraform = load_terraform()
    settings = terraform.resolve(terraform.locals["container_settings"])
    return [variable["name"] for variable in settings["collections-jobs"]["environment"]]


def sandbox_values(sandbox_dir: Path) -> dict[str, str]:
    sandbox = find(sandbox_dir)
    if sandbox is None:
        raise SystemExit(f"task_env: no sandbox runs in {sandbox_dir}")
    names = Settings.load({"FLOATCTL_ENV": "sandbox"})
    region = names.region
    return {
        # `test`, not `sandbox`: the image has no sandbox package, exactly as in AWS.
        "FLOATCTL_ENV": "test",
        "FLOATCTL_STARTED_BY": "schedule",
        "FLOATCTL_CLUSTER": names.cluster,
        "FLOATCTL_LOCKS_TABLE": names.locks_table,
        "FLOATCTL_HISTORY_TABLE": names.history_table,
        "FLOATCTL_MAIN_SECRET": names.main_secret,
        "FLOATCTL_REPLICA_SECRET": names.replica_secret,
        "FLOATCTL_ALERT_TOPIC_ARN": f"arn:aws:sns:{region}:{ACCOUNT}:{names.alert_topic_name}",
        "FLOATCTL_FINANCE_TOPIC_ARN": f"arn:aws:sns:{region}:{ACCOUNT}:{names.finance_topic_name}",
        "FLOATCTL_PREVIEW_BUCKET": preview_bucket_name(names),
        "PAYMENTS_API_URL": sandbox.services_url,
        "USERS_API_URL": sandbox.services_url,
        "AWS_REGION": region,
        "DD_AGENT_HOST": "localhost",
        "DD_TRACE_AGENT_PORT": "8126",
        "DD_DOGSTATSD_PORT": "8125",
        "DD_SERVICE": "collections-jobs",
        "DD_ENV": "test",
        "DD_VERSION": "smoke",
        "DD_TRACE_ENABLED": "true",
        # What Fargate adds (the task role's credentials) and the sandbox's one endpoint.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": sandbox.aws_endpoint,
    }


def main() -> None:
    values = sandbox_values(Path(sys.argv[1]))
    names = terraform_names()
    unknown = [name for name in names if name not in values]
    if unknown:
        raise SystemExit(f"task_env: terraform sets {', '.join(unknown)}; give each a sandbox value here")
    extra = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL")
    for name in [*names, *extra]:
        print(f"{name}={values[name]}")


if __name__ == "__main__":
    main()

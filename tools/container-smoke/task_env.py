"""The app container's environment as terraform writes it, pointed at the host sandbox: a podman --env-file.

Every variable of the `collections-jobs` container in terraform/fargate_collections_jobs.tf is read
from that file (parsed as tests/infra parses it) and given its sandbox value: the one the sandbox's own
task definition carries (floatctl_sandbox.app_environment), with the smoke's differences below. A name
without a value stops the smoke (a new variable in terraform must be thought about there too). Fargate
adds credentials from the task role; here they are moto's. The one extra is AWS_ENDPOINT_URL, the
sandbox's moto server.

Usage: task_env.py SANDBOX_DIR > env-file   (run with the host's .venv python: it reads the sandbox)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from floatctl_sandbox.app_environment import app_environment  # noqa: E402
from floatctl_sandbox.control import find  # noqa: E402
from floatctl_sandbox.state import sandbox_settings  # noqa: E402
from jobs.settings import Settings  # noqa: E402
from tests.infra.support import load_terraform  # noqa: E402


def terraform_names() -> list[str]:
    """The app container's environment variable names, in terraform's order."""
    terraform = load_terraform()
    settings = terraform.resolve(terraform.locals["container_settings"])
    return [variable["name"] for variable in settings["collections-jobs"]["environment"]]


def sandbox_values(sandbox_dir: Path) -> dict[str, str]:
    sandbox = find(sandbox_dir)
    if sandbox is None:
        raise SystemExit(f"task_env: no sandbox runs in {sandbox_dir}")
    settings = sandbox_settings(
        sandbox.aws_endpoint, sandbox.services_url, Settings.load({"FLOATCTL_ENV": "sandbox"})
    )
    return {
        **app_environment(settings),
        # `test`, not `sandbox`: the image has no sandbox package, exactly as in AWS (every resource
        # name is given explicitly, so the sandbox's names still hold).
        "FLOATCTL_ENV": "test",
        "DD_ENV": "test",
        "DD_VERSION": "smoke",
        "DD_TRACE_ENABLED": "true",  # as terraform sets it: the image must start with tracing on
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

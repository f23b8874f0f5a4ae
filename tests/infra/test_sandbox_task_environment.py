"""The sandbox's task definition gives the app container every variable terraform gives it, so a run
started through ECS in the sandbox finds what it finds in AWS (the previews bucket, the finance topic)."""

from __future__ import annotations

from floatctl_sandbox.app_environment import app_environment
from floatctl_sandbox.provision import task_definition
from jobs.settings import Settings


def _terraform_names(terraform) -> list[str]:
    settings = terraform.resolve(terraform.locals["container_settings"])
    return [variable["name"] for variable in settings["collections-jobs"]["environment"]]


def test_the_sandbox_task_sets_exactly_terraforms_app_variables_in_its_order(terraform):
    settings = Settings.load({"FLOATCTL_ENV": "sandbox"})
    (app,) = [c for c in task_definition(settings)["containerDefinitions"] if c["name"] == "collections-jobs"]
    names = [variable["name"] for variable in app["environment"]]
    assert names == _terraform_names(terraform)
    assert {"FLOATCTL_PREVIEW_BUCKET", "FLOATCTL_FINANCE_TOPIC_ARN"} <= set(names)


def test_the_sandbox_values_name_the_sandbox_resources():
    settings = Settings.load({"FLOATCTL_ENV": "sandbox"}).with_overrides(
        payments_api_url="http://127.0.0.1:1", users_api_url="http://127.0.0.1:1"
    )
    values = app_environment(settings)
    assert values["FLOATCTL_PREVIEW_BUCKET"] == "sandbox-floats-signed-off-previews"
    assert values["FLOATCTL_FINANCE_TOPIC_ARN"] == (
        "arn:aws:sns:us-east-1:123456789012:sandbox-floats-day-before-ach-finance"
    )
    assert values["PAYMENTS_API_URL"] == values["USERS_API_URL"] == "http://127.0.0.1:1"
    assert all(isinstance(v, str) and v for v in values.values())

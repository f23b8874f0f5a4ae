"""The role check's decision over SimulatePrincipalPolicy answers (a fake IAM: a pure unit test).

The sandbox cannot run this part for real (moto implements no SimulatePrincipalPolicy); the answer
shape is AWS's: https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
("EvalDecision ... Valid Values: allowed | explicitDeny | implicitDeny"). That the lists equal what
jobs/ calls and terraform grants is tests/infra/test_role_grants.py.
"""

from __future__ import annotations

from types import SimpleNamespace

from botocore.exceptions import ClientError

from jobs.adapters.ecs import EcsTasks, TaskDefinition
from jobs.adapters.iam import PolicySimulator
from jobs.oncall.preflight_deploy import ECR_IMAGE
from jobs.oncall.preflight_roles import role_check, scheduler_role_needs, task_role_needs, unsimulated_apis
from jobs.settings import Settings

ROLE = "arn:aws:iam::111122223333:role/prod-floats-collections-jobs-task"
SETTINGS = Settings.load(
    {},
    env="prod",
    payments_api_url="https://pay0api1.execute-api.us-east-1.amazonaws.com/v1",
    users_api_url="https://usr0api2.execute-api.us-east-1.amazonaws.com/v1",
)
SECRETS = {
    name: f"arn:aws:secretsmanager:us-east-1:111122223333:secret:{name}-AbCdEf"
    for name in (SETTINGS.main_secret, SETTINGS.replica_secret)
}
DLQ = "arn:aws:sqs:us-east-1:111122223333:prod-floats-day-before-ach-dlq"


def _needs():
    return task_role_needs(SETTINGS, SECRETS, DLQ)


class FakeIam:
    """Decides each (action, resource, context) with `decide`; records every call."""

    def __init__(self, decide):
        self.decide, self.calls = decide, []

    def get_paginator(self, name):
        assert name == "simulate_principal_policy"
        return SimpleNamespace(paginate=self._pages)

    def _pages(self, PolicySourceArn, ActionNames, ResourceArns, ContextEntries=()):  # noqa: N803 (boto3's names)
        context = {e["ContextKeyName"]: tuple(e["ContextKeyValues"]) for e in ContextEntries}
        self.calls.append((PolicySourceArn, tuple(ActionNames), tuple(ResourceArns), context))
        (resource,) = ResourceArns
        yield {
            "EvaluationResults": [
                {
                    "EvalActionName": a,
                    "EvalResourceName": resource,
                    "EvalDecision": self.decide(a, resource, context),
                }
                for a in ActionNames
            ]
        }


def test_every_needed_call_allowed_passes_and_names_the_account():
    iam = FakeIam(lambda action, resource, context: "allowed")
    check = role_check(PolicySimulator(iam), "task role", ROLE, _needs())
    assert check.ok and not check.skipped and "calls allowed" in check.detail
    resources = {r for _, _, (r,), _ in iam.calls}
    assert "arn:aws:dynamodb:us-east-1:111122223333:table/prod-floats-collection-history" in resources
    assert not [r for r in resources if "{account}" in r]


def test_an_implicit_deny_fails_naming_the_action_and_resource():
    def decide(action, resource, context):
        return "implicitDeny" if action == "dynamodb:UpdateItem" else "allowed"

    check = role_check(PolicySimulator(FakeIam(decide)), "task role", ROLE, _needs())
    assert not check.ok
    assert "dynamodb:UpdateItem on arn:aws:dynamodb:" in check.detail and "implicitDeny" in check.detail


# https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html ContextEntries: "A
# list of context keys and corresponding values for the simulation to use. Whenever a context key is
# evaluated in one of the simulated IAM permissions policies, the corresponding value is supplied." The
# fake stands for terraform's conditions: without the key, the conditioned statement cannot allow.
CONDITIONED = {
    "ecs:ListTasks": "ecs:cluster",
    "dynamodb:GetItem": "dynamodb:LeadingKeys",
    "s3:ListBucket": "s3:prefix",
    "ecs:RunTask": "ecs:cluster",
    "iam:PassRole": "iam:PassedToService",
}


def _conditions_need_context(action, resource, context):
    key = CONDITIONED.get(action)
    if action == "dynamodb:GetItem" and resource.endswith("-locks"):
        return "allowed"  # the locks table's grant has no condition
    return "implicitDeny" if key and key not in context else "allowed"


def test_conditioned_calls_are_simulated_with_their_context_keys():
    iam = FakeIam(_conditions_need_context)
    settings = SETTINGS.with_overrides(preview_bucket="prod-floats-signed-off-previews")
    check = role_check(PolicySimulator(iam), "task role", ROLE, task_role_needs(settings, SECRETS, DLQ))
    assert check.ok, check.detail
    (list_tasks,) = [c for c in iam.calls if "ecs:ListTasks" in c[1]]
    assert list_tasks[2] == ("*",)
    assert list_tasks[3] == {"ecs:cluster": ("arn:aws:ecs:us-east-1:111122223333:cluster/prod-floats",)}
    (page,) = [c for c in iam.calls if "dynamodb:GetItem" in c[1] and c[2][0].endswith("collection-history")]
    assert set(page[1]) == {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert page[3]["dynamodb:LeadingKeys"][0].startswith("watch#")


def test_the_scheduler_needs_run_task_pass_role_to_ecs_tasks_and_the_dlq():
    task_def = TaskDefinition(
        arn="arn:aws:ecs:us-east-1:111122223333:task-definition/prod-floats-day-before-ach:7",
        task_role_arn=ROLE,
        execution_role_arn="arn:aws:iam::111122223333:role/prod-floats-ecs-task-execution",
    )
    cluster = "arn:aws:ecs:us-east-1:111122223333:cluster/prod-floats"
    needs = scheduler_role_needs(task_def, cluster, "arn:aws:sqs:us-east-1:111122223333:dlq")
    runs = {n.resource: dict((k, v) for k, _, v in n.context) for n in needs if n.action == "ecs:RunTask"}
    family = task_def.arn.rsplit(":", 1)[0]
    assert runs == {
        family: {"ecs:cluster": (cluster,)},
        task_def.arn: {"ecs:cluster": (cluster,)},
    }
    passes = [n for n in needs if n.action == "iam:PassRole"]
    assert {n.resource for n in passes} == {ROLE, task_def.execution_role_arn}
    assert all(
        n.context == (("iam:PassedToService", "string", ("ecs-tasks.amazonaws.com",)),) for n in passes
    )
    assert [n.resource for n in needs if n.action == "sqs:SendMessage"] == [
        "arn:aws:sqs:us-east-1:111122223333:dlq"
    ]
    check = role_check(PolicySimulator(FakeIam(_conditions_need_context)), "scheduler role", ROLE, needs)
    assert check.ok, check.detail


def test_a_custom_domain_service_url_is_said_not_simulated():
    custom = SETTINGS.with_overrides(users_api_url="https://users.internal.example/prod")
    assert unsimulated_apis(custom) == ["USERS_API_URL"]
    invokes = [n.resource for n in task_role_needs(custom, SECRETS, DLQ) if n.action == "execute-api:Invoke"]
    assert invokes and all(":pay0api1/v1/" in r for r in invokes)
    iam = FakeIam(lambda *_: "allowed")
    check = role_check(
        PolicySimulator(iam),
        "task role",
        ROLE,
        task_role_needs(custom, SECRETS, DLQ),
        "not simulated: USERS_API_URL",
    )
    assert check.ok and check.detail.endswith("not simulated: USERS_API_URL")


def test_no_permission_to_simulate_is_a_skip_with_the_reason():
    class Denied(FakeIam):
        def _pages(self, **kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "Simulate")

    check = role_check(PolicySimulator(Denied(None)), "task role", ROLE, _needs())
    assert check.ok and check.skipped and "AccessDenied" in check.detail


class FakeEcs:
    """ListTaskDefinitions as an emulator that matches familyPrefix as a prefix would answer."""

    def __init__(self, arns):
        self.arns = arns

    def list_task_definitions(self, familyPrefix, status, sort):  # noqa: N803 (boto3's names)
        return {"taskDefinitionArns": [a for a in self.arns if a.split("/")[-1].startswith(familyPrefix)]}

    def describe_task_definition(self, taskDefinition):  # noqa: N803
        return {"taskDefinition": {"taskDefinitionArn": taskDefinition}}


def test_the_latest_revision_is_of_the_family_itself_never_of_the_watch_family():
    prefix = "arn:aws:ecs:us-east-1:111122223333:task-definition/prod-floats-day-before-ach"
    ecs = FakeEcs([f"{prefix}:7", f"{prefix}-watch:9", f"{prefix}:6"])
    latest = EcsTasks(ecs, "prod-floats").latest_task_definition("prod-floats-day-before-ach")
    assert latest is not None and latest.arn == f"{prefix}:7"


def test_ecr_image_references():
    tagged = ECR_IMAGE.match("123456789012.dkr.ecr.us-east-1.amazonaws.com/floats/collections-jobs:v1.2.3")
    assert tagged and tagged["repository"] == "floats/collections-jobs" and tagged["tag"] == "v1.2.3"
    digest = "sha256:" + "a" * 64
    pinned = ECR_IMAGE.match(f"123456789012.dkr.ecr.us-east-1.amazonaws.com/floats/collections-jobs@{digest}")
    assert pinned and pinned["digest"] == digest and pinned["tag"] is None
    assert ECR_IMAGE.match("public.ecr.aws/datadog/agent:7") is None

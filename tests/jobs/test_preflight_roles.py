"""The role check's decision over SimulatePrincipalPolicy answers (a fake IAM: a pure unit test).

The sandbox cannot run this part for real (moto implements no SimulatePrincipalPolicy); the answer
shape is AWS's: https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
("EvalDecision ... Valid Values: allowed | explicitDeny | implicitDeny").
"""

from __future__ import annotations

from types import SimpleNamespace

from botocore.exceptions import ClientError

from jobs.oncall.preflight_deploy import ECR_IMAGE, role_check, scheduler_role_needs, task_role_needs
from jobs.settings import Settings

ROLE = "arn:aws:iam::111122223333:role/prod-floats-collections-jobs-task"


class FakeIam:
    def __init__(self, decide):
        self.decide, self.calls = decide, []

    def get_paginator(self, name):
        assert name == "simulate_principal_policy"
        return SimpleNamespace(paginate=self._pages)

    def _pages(self, PolicySourceArn, ActionNames, ResourceArns):  # noqa: N803 (boto3's names)
        self.calls.append((PolicySourceArn, tuple(ActionNames), tuple(ResourceArns)))
        (resource,) = ResourceArns
        yield {
            "EvaluationResults": [
                {"EvalActionName": a, "EvalResourceName": resource, "EvalDecision": self.decide(a, resource)}
                for a in ActionNames
            ]
        }


def test_every_needed_call_allowed_passes_and_names_the_account():
    iam = FakeIam(lambda action, resource: "allowed")
    check = role_check(iam, "task role", ROLE, task_role_needs(Settings(env="prod")))
    assert check.ok and not check.skipped and "calls allowed" in check.detail
    resources = {r for _, _, (r,) in iam.calls}
    assert any(r.startswith("arn:aws:dynamodb:us-east-1:111122223333:table/") for r in resources)


def test_an_implicit_deny_fails_naming_the_action_and_resource():
    def decide(action, resource):
        return "implicitDeny" if action == "dynamodb:UpdateItem" else "allowed"

    check = role_check(FakeIam(decide), "task role", ROLE, task_role_needs(Settings(env="prod")))
    assert not check.ok
    assert "dynamodb:UpdateItem on arn:aws:dynamodb:" in check.detail and "implicitDeny" in check.detail


def test_no_permission_to_simulate_is_a_skip_with_the_reason():
    class Denied(FakeIam):
        def _pages(self, **kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "Simulate")

    check = role_check(Denied(None), "task role", ROLE, task_role_needs(Settings(env="prod")))
    assert check.ok and check.skipped and "AccessDenied" in check.detail


def test_the_scheduler_needs_run_task_pass_role_and_the_dlq():
    task_def = {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:task-definition/prod-collections-jobs:7",
        "taskRoleArn": ROLE,
        "executionRoleArn": "arn:aws:iam::111122223333:role/prod-floats-ecs-task-execution",
    }
    needs = scheduler_role_needs(task_def, "arn:aws:sqs:us-east-1:111122223333:dlq")
    assert (
        "ecs:RunTask",
        "arn:aws:ecs:us-east-1:111122223333:task-definition/prod-collections-jobs:*",
    ) in needs
    assert {r for a, r in needs if a == "iam:PassRole"} == {ROLE, task_def["executionRoleArn"]}
    assert ("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:dlq") in needs


def test_ecr_image_references():
    tagged = ECR_IMAGE.match("123456789012.dkr.ecr.us-east-1.amazonaws.com/floats/collections-jobs:v1.2.3")
    assert tagged and tagged["repository"] == "floats/collections-jobs" and tagged["tag"] == "v1.2.3"
    digest = "sha256:" + "a" * 64
    pinned = ECR_IMAGE.match(f"123456789012.dkr.ecr.us-east-1.amazonaws.com/floats/collections-jobs@{digest}")
    assert pinned and pinned["digest"] == digest and pinned["tag"] is None
    assert ECR_IMAGE.match("public.ecr.aws/datadog/agent:7") is None

"""fargate_cluster.tf: the <site>-floats cluster and the task execution role."""

from __future__ import annotations

from tests.infra.support import arn_prefix, single


def test_cluster_is_site_floats(terraform):
    cluster = terraform.resource("aws_ecs_cluster", "floats")
    assert terraform.resolve(cluster["name"]) == "${var.site}-floats"
    assert "capacity_providers" not in cluster  # every task asks for FARGATE at run time


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html "The IAM task role must
# have a trust policy that specifies the ecs-tasks.amazonaws.com service." and "When creating your task
# IAM role, it is recommended that you use the aws:SourceAccount or aws:SourceArn condition keys in the
# trust relationship policy associated with the role to scope the permissions further to prevent the
# confused deputy security issue. Using the aws:SourceArn condition key to specify a specific cluster is
# not currently supported, you should use the wildcard to specify all clusters." Its example trust policy:
# "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-west-2:111122223333:*"}, "StringEquals":
# {"aws:SourceAccount": "111122223333"}. The execution role shares this trust; the page's sentence is
# about the task role (docs/deploy.md, audit).
def test_roles_for_ecs_tasks_trust_only_ecs_tasks(terraform):
    (statement,) = terraform.statements("ecs_tasks_assume")
    assert statement["actions"] == ["sts:AssumeRole"]
    assert single(statement["principals"]) == {"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}
    conditions = {c["variable"]: c for c in statement["condition"]}
    assert set(conditions) == {"aws:SourceAccount", "aws:SourceArn"}
    assert conditions["aws:SourceAccount"]["test"] == "StringEquals"
    source_arn = conditions["aws:SourceArn"]
    assert source_arn["test"] == "ArnLike"
    # every cluster of this account and region: a cluster-scoped aws:SourceArn "is not currently supported"
    assert source_arn["values"] == [arn_prefix("ecs") + ":*"]
    for role in ("task_execution", "collections_jobs_task"):
        body = terraform.resource("aws_iam_role", role)
        assert body["assume_role_policy"] == "${data.aws_iam_policy_document.ecs_tasks_assume.json}"


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
# (secretOptions) "An object that represents the secret to pass to the log configuration." ECS reads such
# secrets with the task execution role, hence GetSecretValue on the Datadog secret here.
def test_execution_role_has_the_managed_policy_the_datadog_secret_and_ecr_login(terraform):
    role = terraform.resource("aws_iam_role", "task_execution")
    assert terraform.resolve(role["name"]) == "${var.site}-floats-ecs-task-execution"
    attachment = terraform.resource("aws_iam_role_policy_attachment", "task_execution_managed")
    assert attachment["role"] == "${aws_iam_role.task_execution.name}"
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")

    policy = terraform.resource("aws_iam_role_policy", "task_execution")
    assert policy["role"] == "${aws_iam_role.task_execution.id}"
    assert policy["policy"] == "${data.aws_iam_policy_document.task_execution.json}"
    grants = {tuple(s["actions"]): s["resources"] for s in terraform.statements("task_execution")}
    assert grants == {
        ("secretsmanager:GetSecretValue",): ["${data.aws_secretsmanager_secret.datadog.arn}"],
        ("ecr:GetAuthorizationToken",): ["*"],  # the GuardDuty sidecar's image pull; not resource-scoped
    }


def test_datadog_secret_is_the_runtime_site_datadog_secret(terraform):
    secret = terraform.data("aws_secretsmanager_secret", "datadog")
    assert secret["name"] == '${coalesce(var.datadog_secret_name, "${var.site}/datadog")}'

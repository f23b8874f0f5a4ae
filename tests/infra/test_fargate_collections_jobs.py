"""fargate_collections_jobs.tf: the task role's exact grants and the day-before-ach task definition."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.infra.support import REPO, TERRAFORM_DIR, arn_prefix, single

TABLE = arn_prefix("dynamodb") + ":table"
HISTORY = TABLE + '/${coalesce(var.collection_history_table_name, "${var.site}-floats-collection-history")}'
LOCKS = TABLE + '/${coalesce(var.locks_table_name, "${var.site}-floats-locks")}'


@pytest.fixture(scope="module")
def shape() -> dict:
    """terraform/collections_jobs_task.json: the task's shape, shared with the sandbox."""
    return json.loads((TERRAFORM_DIR / "collections_jobs_task.json").read_text())


@pytest.fixture(scope="module")
def containers(terraform, shape):
    """The task definition's containers by name, in their order: each shape merged with its settings."""
    # The for-expression below is what terraform evaluates; this fixture does the same shallow merge.
    assert (
        terraform.locals["task_shape"] == '${jsondecode(file("${path.module}/collections_jobs_task.json"))}'
    )
    assert terraform.locals["container_definitions"] == (
        "${[for container in local.task_shape.containerDefinitions : "
        "merge(container, local.container_settings[container.name])]}"
    )
    settings = terraform.resolve(terraform.locals["container_settings"])
    assert set(settings) == {c["name"] for c in shape["containerDefinitions"]}
    return {c["name"]: {**c, **settings[c["name"]]} for c in shape["containerDefinitions"]}


def _env(container):
    return {e["name"]: e["value"] for e in container["environment"]}


def test_task_role_is_attached_to_the_task_and_trusts_ecs_tasks(terraform):
    role = terraform.resource("aws_iam_role", "collections_jobs_task")
    assert terraform.resolve(role["name"]) == "${var.site}-floats-collections-jobs-task"
    policy = terraform.resource("aws_iam_role_policy", "collections_jobs_task")
    assert policy["role"] == "${aws_iam_role.collections_jobs_task.id}"
    assert policy["policy"] == "${data.aws_iam_policy_document.collections_jobs_task.json}"
    assert terraform.resources_of("aws_iam_role_policy_attachment") == [
        terraform.resource("aws_iam_role_policy_attachment", "task_execution_managed")
    ], "the task role gets no managed policy"


# Which actions, per table and service: test_role_grants.py derives them from jobs/ and compares.
def test_task_role_never_scans_and_names_no_wildcard_action(task_role_grants):
    actions = set().union(*(a for a, _ in task_role_grants.values()))
    assert not [a for a in actions if "Scan" in a or "*" in a]


# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
# "Required permissions: secretsmanager:BatchGetSecretValue, and you must have
# secretsmanager:GetSecretValue for each secret." and
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_cli.html (batch):
# "secretsmanager:GetSecretValue permission for each secret you want to retrieve." So each returned
# secret is checked against the GetSecretValue grant on the two secret ARNs, whatever the batch grant
# names. That BatchGetSecretValue takes no resource-level permission (hence "*") is the service
# authorization reference's claim; its sentence was not retrieved with search (docs/deploy.md, audit).
def test_rds_secrets_are_read_one_by_one_and_in_one_batch(task_role_grants):
    assert task_role_grants["ReadRdsSecrets"] == (
        {"secretsmanager:GetSecretValue"},
        [
            "${data.aws_secretsmanager_secret.rds_main.arn}",
            "${data.aws_secretsmanager_secret.rds_replica.arn}",
        ],
    )
    # BatchGetSecretValue cannot be scoped to a secret; each returned secret still needs GetSecretValue.
    assert task_role_grants["BatchReadRdsSecrets"] == ({"secretsmanager:BatchGetSecretValue"}, ["*"])


def test_rds_secret_names_default_to_the_site(terraform):
    main = terraform.data("aws_secretsmanager_secret", "rds_main")["name"]
    replica = terraform.data("aws_secretsmanager_secret", "rds_replica")["name"]
    assert terraform.resolve(main) == '${coalesce(var.rds_main_secret_name, "${var.site}/floats/rds/main")}'
    assert (
        terraform.resolve(replica)
        == '${coalesce(var.rds_replica_secret_name, "${var.site}/floats/rds/replica")}'
    )


# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-specific-table-indexes.html
# "The following policy grants permissions for data modification actions on a DynamoDB table called Books
# and all of that table's indexes." with Resource "table/Books" and "table/Books/index/*": an index is
# its own resource. The code writes the table and queries it and its indexes (test_role_grants.py).
def test_collection_history_is_put_on_the_table_and_queried_with_its_indexes(task_role_grants):
    assert task_role_grants["WriteCollectionHistory"] == ({"dynamodb:PutItem"}, [HISTORY])
    assert task_role_grants["QueryCollectionHistory"] == ({"dynamodb:Query"}, [HISTORY, f"{HISTORY}/index/*"])


# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
# "dynamodb:LeadingKeys – This condition key allows users to access only the items where the partition
# key value matches their user ID." and "you must use the ForAllValues modifier when using LeadingKeys in
# a condition". Here the partition key is the page record's watch#<run date> (jobs/domain/keys.py);
# test_role_grants.py proves the batch's run#/float# keys fall outside it.
def test_only_the_watch_page_record_is_read_updated_or_deleted_in_history(terraform, task_role_grants):
    assert task_role_grants["WatchPageLedger"] == (
        {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        [HISTORY],
    )
    (statement,) = [s for s in terraform.statements("collections_jobs_task") if s["sid"] == "WatchPageLedger"]
    assert single(statement["condition"]) == {
        "test": "ForAllValues:StringLike",
        "variable": "dynamodb:LeadingKeys",
        "values": ["watch#*"],
    }


def test_locks_are_read_and_written_item_by_item(task_role_grants):
    assert task_role_grants["UseLocks"] == (
        {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:Query",
            "dynamodb:DeleteItem",
        },
        [LOCKS],
    )


def test_only_the_two_apis_may_be_invoked(task_role_grants):
    actions, resources = task_role_grants["InvokePaymentsAndUsers"]
    assert actions == {"execute-api:Invoke"}
    assert resources == [
        arn_prefix("execute-api") + ":${var.payments_api.id}/${var.payments_api.stage}/*",
        arn_prefix("execute-api") + ":${var.users_api.id}/${var.users_api.stage}/*",
    ]


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html (task CPU and
# memory): 512 CPU units allow 1024-4096 MiB on Fargate; Fargate tasks must use the awsvpc network mode.
def test_task_definition_is_the_fargate_family_at_512_1024(terraform, shape):
    task = terraform.resolve(terraform.resource("aws_ecs_task_definition", "day_before_ach"))
    assert task["family"] == "${var.site}-floats-day-before-ach"
    assert task["network_mode"] == "${local.task_shape.networkMode}"
    assert task["requires_compatibilities"] == "${local.task_shape.requiresCompatibilities}"
    assert (task["cpu"], task["memory"]) == ("${local.task_shape.cpu}", "${local.task_shape.memory}")
    assert shape["networkMode"] == "awsvpc" and shape["requiresCompatibilities"] == ["FARGATE"]
    assert (int(shape["cpu"]), int(shape["memory"])) == (512, 1024)
    assert task["execution_role_arn"] == "${aws_iam_role.task_execution.arn}"
    assert task["task_role_arn"] == "${aws_iam_role.collections_jobs_task.arn}"
    assert task["container_definitions"] == "${jsonencode(local.container_definitions)}"
    assert single(task["runtime_platform"])["cpu_architecture"] == "X86_64"  # the image is linux/amd64


def test_three_containers_with_the_app_first(containers):
    assert list(containers) == ["collections-jobs", "log-router", "datadog-agent"]
    reserved = sum(c.get("memoryReservation", 0) for c in containers.values())
    assert reserved <= 1024


def test_app_runs_the_batch_from_the_release_image(containers):
    app = containers["collections-jobs"]
    assert app["image"] == "${aws_ecr_repository.collections_jobs.repository_url}:${var.service_version}"
    assert app["command"] == ["run", "day-before-ach"]
    assert app["essential"] is True


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html (stopTimeout)
# "For tasks that use the Fargate launch type, ... The max stop timeout value is 120 seconds. However, if
# the parameter isn't specified, the default value of 30 seconds is used." moto accepts any value.
def test_app_stop_timeout_covers_the_25_s_drain(containers):
    stop_timeout = containers["collections-jobs"]["stopTimeout"]
    assert 30 <= stop_timeout <= 120  # the drain takes up to 25 s; Fargate allows at most 120


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html (dependsOn)
# "HEALTHY – This condition validates that the dependent container passes its container health check
# before permitting other containers to start. This requires that the dependent container has health
# checks configured in the task definition." moto registers HEALTHY on a container without a check.
def test_app_waits_for_a_healthy_agent(containers):
    depends = {d["containerName"]: d["condition"] for d in containers["collections-jobs"]["dependsOn"]}
    assert depends["datadog-agent"] == "HEALTHY"
    assert containers["datadog-agent"]["healthCheck"]["command"], "HEALTHY needs the agent's healthCheck"
    for name, condition in depends.items():
        if condition == "HEALTHY":
            assert "healthCheck" in containers[name], name


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
# (readonlyRootFilesystem) "When this parameter is true, the container is given read-only access to its
# root file system." https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html "Bind
# mounts are supported for tasks that are hosted on both Fargate and Amazon EC2 instances." and "By
# default, tasks that are hosted on AWS Fargate using platform version 1.4.0 or later (Linux) ... receive
# a minimum of 20 GiB of ephemeral storage for bind mounts."; its examples page
# (bind-mount-examples.html, "To provide an empty data volume for one or more containers") defines such a
# volume by its name alone: "volumes": [ { "name": "database_scratch" } ].
# The app writes only /tmp (WORKDIR; PYTHONDONTWRITEBYTECODE=1): make container-smoke runs the image with
# a read-only root and such a /tmp.
def test_app_root_file_system_is_read_only_with_a_writable_task_tmp(terraform, containers, shape):
    app = containers["collections-jobs"]
    assert app["readonlyRootFilesystem"] is True
    assert app["mountPoints"] == [{"sourceVolume": "app-tmp", "containerPath": "/tmp", "readOnly": False}]
    assert shape["volumes"] == [{"name": "app-tmp"}]  # no host: task storage
    task = terraform.resource("aws_ecs_task_definition", "day_before_ach")
    volume = single(task["dynamic"])["volume"]
    assert volume["for_each"] == "${local.task_shape.volumes}"


def test_app_has_the_datadog_and_floatctl_environment(containers):
    env = _env(containers["collections-jobs"])
    assert (
        env.items()
        >= {
            "DD_AGENT_HOST": "localhost",
            "DD_TRACE_AGENT_PORT": "8126",
            "DD_SERVICE": "collections-jobs",
            "DD_ENV": "${var.site}",
            "DD_VERSION": "${var.service_version}",
            "DD_TRACE_ENABLED": "true",
        }.items()
    )
    assert env["FLOATCTL_ENV"] == "${var.site}"  # never the sandbox default
    assert env["PAYMENTS_API_URL"] == "${var.payments_api.url}"
    assert env["USERS_API_URL"] == "${var.users_api.url}"
    # Resource names reach the container from the same variables the IAM grants use.
    assert env["FLOATCTL_LOCKS_TABLE"] == '${coalesce(var.locks_table_name, "${var.site}-floats-locks")}'
    assert env["FLOATCTL_HISTORY_TABLE"] == (
        '${coalesce(var.collection_history_table_name, "${var.site}-floats-collection-history")}'
    )
    # The watch pages the topic terraform made, under the variable name the code reads (one name).
    from dataclasses import fields

    from jobs.settings import Settings

    topic_var = next(f.metadata["var"] for f in fields(Settings) if f.name == "alert_topic_arn")
    assert env[topic_var] == "${aws_sns_topic.watch_alerts.arn}"


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
# (logConfiguration.secretOptions) "An object that represents the secret to pass to the log
# configuration." and, for the Datadog output plugin's API key,
# https://docs.datadoghq.com/integrations/ecs_fargate/ (Fluent Bit and FireLens): the apikey is passed as
# a secretOptions entry named "apikey" whose valueFrom is the Secrets Manager secret (and JSON key).
def test_app_logs_go_through_firelens_to_datadog(containers):
    logging = containers["collections-jobs"]["logConfiguration"]
    assert logging["logDriver"] == "awsfirelens"
    assert logging["options"]["Name"] == "datadog"
    assert logging["options"]["Host"] == "http-intake.logs.${var.datadog_site}"
    assert logging["options"]["dd_service"] == "collections-jobs"
    assert logging["options"]["dd_tags"] == "env:${var.site},application:floats"
    assert logging["secretOptions"] == [
        {"name": "apikey", "valueFrom": "${data.aws_secretsmanager_secret.datadog.arn}:api_key::"}
    ]


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html (logDriver)
# "For tasks that use the Fargate launch type, the supported log drivers are awslogs, splunk, and
# awsfirelens."
def test_log_router_is_the_fluent_bit_firelens_sidecar(containers):
    router = containers["log-router"]
    assert router["image"] == "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
    assert router["firelensConfiguration"]["type"] == "fluentbit"
    assert router["essential"] is True


# https://docs.datadoghq.com/integrations/ecs_fargate/ : the agent sidecar needs ECS_FARGATE=true, and
# DD_APM_NON_LOCAL_TRAFFIC / DD_DOGSTATSD_NON_LOCAL_TRAFFIC accept traces and metrics from other
# containers of the task (awsvpc: one network namespace, so localhost).
def test_datadog_agent_is_optional_healthchecked_and_local_only(containers):
    agent = containers["datadog-agent"]
    assert agent["image"] == "public.ecr.aws/datadog/agent:7"
    assert agent["essential"] is False  # a flaky agent never fails the batch
    assert agent["healthCheck"]["command"] == ["CMD-SHELL", "agent health"]
    env = _env(agent)
    for name in (
        "ECS_FARGATE",
        "DD_APM_ENABLED",
        "DD_APM_NON_LOCAL_TRAFFIC",
        "DD_DOGSTATSD_NON_LOCAL_TRAFFIC",
    ):
        assert env[name] == "true", name
    assert agent["secrets"] == [
        {"name": "DD_API_KEY", "valueFrom": "${data.aws_secretsmanager_secret.datadog.arn}:api_key::"}
    ]
    assert "portMappings" not in agent  # 8125/8126 stay on the task's localhost


# https://docs.aws.amazon.com/AmazonECS/latest/userguide/ecs-resource-ids.html (ARN format), Amazon ECS
# task: "New: arn:aws:ecs:region:aws_account_id:task/cluster-name/task-id", and
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html "Only resources
# launched after opting in receive the new ARN and resource ID format." and
# https://aws.amazon.com/blogs/compute/migrating-your-amazon-ecs-deployment-to-the-new-arn-and-resource-id-format-2/
# "October 1, 2020 – March 31, 2021 – All new accounts are opted in to the new format by default. Any
# existing accounts that have not explicitly opted out of the new format are also opted in."
def test_lock_owner_tasks_can_be_described_in_this_cluster_only(task_role_grants):
    actions, resources = task_role_grants["SeeLockOwnerTasks"]
    assert actions == {"ecs:DescribeTasks"}
    assert len(resources) == 1 and resources[0].endswith(":task/${aws_ecs_cluster.floats.name}/*")


_SANDBOX_TASK_DEFINITION = """
import json, sys
from jobs.settings import Settings
from floatctl.sandbox import provision
print(json.dumps(provision.task_definition(Settings())))
"""


# The sandbox registers the same shape (issue 15 part 6): one file, read by terraform (jsondecode) and by
# the sandbox's provision.task_definition(). Run in a subprocess: the sandbox is being moved
# (floatctl_sandbox/), so try both homes.
def test_the_sandbox_registers_terraforms_task_shape(shape):
    script = _SANDBOX_TASK_DEFINITION
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0 and "No module named 'floatctl.sandbox'" in result.stderr:
        script = script.replace("from floatctl.sandbox import", "from floatctl_sandbox import")
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 0, result.stderr[-3000:]
    registered = json.loads(result.stdout)
    for key in ("cpu", "memory", "networkMode", "requiresCompatibilities", "volumes"):
        assert registered[key] == shape[key], key
    by_name = {c["name"]: c for c in registered["containerDefinitions"]}
    for container in shape["containerDefinitions"]:
        sandbox = by_name[container["name"]]
        assert {k: sandbox.get(k) for k in container} == container, container["name"]

"""fargate_collections_jobs.tf: the task role's exact grants and the day-before-ach task definition."""

from __future__ import annotations

import pytest

from tests.infra.support import arn_prefix, single

TASK_ROLE_ACTIONS = {
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "execute-api:Invoke",
    "ecs:DescribeTasks",  # proving a lock owner's task STOPPED; see the statement's comment
}
TABLE = arn_prefix("dynamodb") + ":table"
HISTORY = TABLE + '/${coalesce(var.collection_history_table_name, "${var.site}-floats-collection-history")}'
LOCKS = TABLE + '/${coalesce(var.locks_table_name, "${var.site}-floats-locks")}'


@pytest.fixture(scope="module")
def grants(terraform):
    """sid -> (actions, resources) of the task role's policy."""
    return {
        s["sid"]: (set(s["actions"]), s["resources"]) for s in terraform.statements("collections_jobs_task")
    }


@pytest.fixture(scope="module")
def containers(terraform):
    """The task definition's containers by name, in their order."""
    definitions = terraform.resolve(terraform.locals["container_definitions"])
    return {c["name"]: c for c in definitions}


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


def test_task_role_actions_are_exactly_the_batch_needs_and_never_scan(grants):
    actions = set().union(*(a for a, _ in grants.values()))
    assert actions == TASK_ROLE_ACTIONS
    assert not [a for a in actions if "Scan" in a or "*" in a]


def test_rds_secrets_are_read_one_by_one_and_in_one_batch(grants):
    assert grants["ReadRdsSecrets"] == (
        {"secretsmanager:GetSecretValue"},
        [
            "${data.aws_secretsmanager_secret.rds_main.arn}",
            "${data.aws_secretsmanager_secret.rds_replica.arn}",
        ],
    )
    # BatchGetSecretValue cannot be scoped to a secret; each returned secret still needs GetSecretValue.
    assert grants["BatchReadRdsSecrets"] == ({"secretsmanager:BatchGetSecretValue"}, ["*"])


def test_rds_secret_names_default_to_the_site(terraform):
    main = terraform.data("aws_secretsmanager_secret", "rds_main")["name"]
    replica = terraform.data("aws_secretsmanager_secret", "rds_replica")["name"]
    assert terraform.resolve(main) == '${coalesce(var.rds_main_secret_name, "${var.site}/floats/rds/main")}'
    assert (
        terraform.resolve(replica)
        == '${coalesce(var.rds_replica_secret_name, "${var.site}/floats/rds/replica")}'
    )


def test_collection_history_is_put_and_query_only_with_its_indexes(grants):
    assert grants["WriteCollectionHistory"] == (
        {"dynamodb:PutItem", "dynamodb:Query"},
        [HISTORY, f"{HISTORY}/index/*"],
    )


def test_locks_are_read_and_written_item_by_item(grants):
    assert grants["UseLocks"] == (
        {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:Query",
            "dynamodb:DeleteItem",
        },
        [LOCKS],
    )


def test_only_the_two_apis_may_be_invoked(grants):
    actions, resources = grants["InvokePaymentsAndUsers"]
    assert actions == {"execute-api:Invoke"}
    assert resources == [
        arn_prefix("execute-api") + ":${var.payments_api.id}/${var.payments_api.stage}/*",
        arn_prefix("execute-api") + ":${var.users_api.id}/${var.users_api.stage}/*",
    ]


def test_task_definition_is_the_fargate_family_at_512_1024(terraform):
    task = terraform.resolve(terraform.resource("aws_ecs_task_definition", "day_before_ach"))
    assert task["family"] == "${var.site}-floats-day-before-ach"
    assert task["network_mode"] == "awsvpc"
    assert task["requires_compatibilities"] == ["FARGATE"]
    assert (int(task["cpu"]), int(task["memory"])) == (512, 1024)
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


def test_app_stop_timeout_covers_the_25_s_drain(containers):
    stop_timeout = containers["collections-jobs"]["stopTimeout"]
    assert 30 <= stop_timeout <= 120  # the drain takes up to 25 s; Fargate allows at most 120


def test_app_waits_for_a_healthy_agent(containers):
    depends = {d["containerName"]: d["condition"] for d in containers["collections-jobs"]["dependsOn"]}
    assert depends["datadog-agent"] == "HEALTHY"


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


def test_log_router_is_the_fluent_bit_firelens_sidecar(containers):
    router = containers["log-router"]
    assert router["image"] == "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
    assert router["firelensConfiguration"]["type"] == "fluentbit"
    assert router["essential"] is True


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


def test_lock_owner_tasks_can_be_described_in_this_cluster_only(grants):
    actions, resources = grants["SeeLockOwnerTasks"]
    assert actions == {"ecs:DescribeTasks"}
    assert len(resources) == 1 and resources[0].endswith(":task/${aws_ecs_cluster.floats.name}/*")

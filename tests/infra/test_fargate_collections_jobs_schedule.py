"""fargate_collections_jobs_schedule.tf: the 19:00 ET weekday fire, its invoke role, its dead letters."""

from __future__ import annotations

import pytest

from tests.infra.support import arn_prefix, single

FAMILY = "${var.site}-floats-day-before-ach"


@pytest.fixture(scope="module")
def schedule(terraform):
    return terraform.resolve(terraform.resource("aws_scheduler_schedule", "day_before_ach"))


@pytest.fixture(scope="module")
def target(schedule):
    return single(schedule["target"])


@pytest.fixture(scope="module")
def grants(terraform):
    """sid -> statement of the scheduler role's policy."""
    return {s["sid"]: s for s in terraform.statements("scheduler")}


def test_fires_weekdays_at_19_new_york_exactly(schedule):
    assert schedule["name"] == FAMILY
    assert schedule["schedule_expression"] == "cron(0 19 ? * MON-FRI *)"
    assert schedule["schedule_expression_timezone"] == "America/New_York"
    assert single(schedule["flexible_time_window"]) == {"mode": "OFF"}
    assert schedule["state"] == "ENABLED"


def test_never_retries(target):
    assert single(target["retry_policy"])["maximum_retry_attempts"] == 0


def test_a_fire_that_cannot_start_lands_in_the_dlq_and_pages(terraform, target):
    assert single(target["dead_letter_config"])["arn"] == "${aws_sqs_queue.schedule_dlq.arn}"
    queue = terraform.resource("aws_sqs_queue", "schedule_dlq")
    assert "fifo_queue" not in queue  # Scheduler only dead-letters to standard queues
    alarm = terraform.resource("aws_cloudwatch_metric_alarm", "schedule_dlq")
    assert alarm["namespace"] == "AWS/SQS"
    assert alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.schedule_dlq.name}"}
    assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["period"] * alarm["evaluation_periods"] <= 300  # pages within minutes, well before 20:00
    assert alarm["alarm_actions"] == "${var.dlq_alarm_actions}"


def test_starts_the_family_on_fargate_in_the_private_subnets(terraform, target):
    assert target["arn"] == "${aws_ecs_cluster.floats.arn}"
    assert target["role_arn"] == "${aws_iam_role.scheduler.arn}"
    ecs = single(target["ecs_parameters"])
    assert ecs["task_definition_arn"] == "${aws_ecs_task_definition.day_before_ach.arn_without_revision}"
    assert (ecs["launch_type"], ecs["platform_version"], ecs["task_count"]) == ("FARGATE", "LATEST", 1)
    network = single(ecs["network_configuration"])
    assert network["subnets"] == "${var.private_subnet_ids}"
    assert network["security_groups"] == ["${data.aws_security_group.private.id}"]
    assert network["assign_public_ip"] is False
    private_sg = terraform.data("aws_security_group", "private")
    assert private_sg["name"] == "${var.private_security_group_name}"
    variables = {n: b for block in terraform.files["variables.tf"]["variable"] for n, b in block.items()}
    assert variables["private_security_group_name"]["default"] == "PrivateSG"


def test_scheduler_role_trusts_only_scheduler_for_this_schedule(terraform):
    role = terraform.resource("aws_iam_role", "scheduler")
    assert terraform.resolve(role["name"]) == "${var.site}-floats-scheduler-invoke-ecs"
    assert role["assume_role_policy"] == "${data.aws_iam_policy_document.scheduler_assume.json}"
    (statement,) = terraform.statements("scheduler_assume")
    assert single(statement["principals"]) == {"type": "Service", "identifiers": ["scheduler.amazonaws.com"]}
    source_arn = next(c for c in statement["condition"] if c["variable"] == "aws:SourceArn")
    assert source_arn["values"] == [arn_prefix("scheduler") + f":schedule/default/{FAMILY}"]
    policy = terraform.resource("aws_iam_role_policy", "scheduler")
    assert (policy["role"], policy["policy"]) == (
        "${aws_iam_role.scheduler.id}",
        "${data.aws_iam_policy_document.scheduler.json}",
    )


def test_scheduler_role_may_only_run_the_family_on_the_cluster_pass_the_two_roles_and_dead_letter(grants):
    actions = {a for s in grants.values() for a in s["actions"]}
    assert actions == {"ecs:RunTask", "iam:PassRole", "sqs:SendMessage"}

    run = grants["RunDayBeforeAchOnFloatsCluster"]
    task_definition = arn_prefix("ecs") + f":task-definition/{FAMILY}"
    assert run["resources"] == [task_definition, f"{task_definition}:*"]  # any revision, no other family
    assert single(run["condition"]) == {
        "test": "ArnEquals",
        "variable": "ecs:cluster",
        "values": ["${aws_ecs_cluster.floats.arn}"],
    }

    passing = grants["PassTaskRolesToEcs"]
    assert passing["resources"] == [
        "${aws_iam_role.task_execution.arn}",
        "${aws_iam_role.collections_jobs_task.arn}",
    ]
    assert single(passing["condition"]) == {
        "test": "StringEquals",
        "variable": "iam:PassedToService",
        "values": ["ecs-tasks.amazonaws.com"],
    }

    assert grants["DeadLetterFailedFires"]["resources"] == ["${aws_sqs_queue.schedule_dlq.arn}"]

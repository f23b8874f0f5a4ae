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


# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
# "You configure each recurring schedule type using a schedule expression ... and specifying a time zone
# in which EventBridge Scheduler evaluates the expression." and "All schedule types on EventBridge
# Scheduler invoke their targets with 60 second precision. ... assuming that a flexible time window is
# not set." (so mode OFF: 19:00:00-19:00:59 New York time).
def test_fires_weekdays_at_19_new_york_exactly(schedule):
    assert schedule["name"] == FAMILY
    assert schedule["schedule_expression"] == "cron(0 19 ? * MON-FRI *)"
    assert schedule["schedule_expression_timezone"] == "America/New_York"
    assert single(schedule["flexible_time_window"]) == {"mode": "OFF"}
    assert schedule["state"] == "ENABLED"


# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
# MaximumRetryAttempts: "The maximum number of retry attempts to make before the request fails." ...
# "Valid Range: Minimum value of 0. Maximum value of 185." MaximumEventAgeInSeconds: "Minimum value of 60."
def test_never_retries(target):
    assert single(target["retry_policy"])["maximum_retry_attempts"] == 0


# https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
# "EventBridge Scheduler does not support using a FIFO queue as your schedule's DLQ." and the page goes on
# to "add the required permissions to your schedule execution role" (sqs:SendMessage on the queue): the
# role sends, so no queue policy is needed. moto never dead-letters, so only this test checks it.
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


# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_Target.html
# Arn: "The Amazon Resource Name (ARN) of the target." (for ECS: the cluster); RoleArn: "The Amazon
# Resource Name (ARN) of the IAM role that EventBridge Scheduler will use for this target when the
# schedule is invoked."; EcsParameters: "The templated target type for the Amazon ECS RunTask API
# operation."
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


# https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
# "We recommend using the aws:SourceArn and aws:SourceAccount global condition context keys in your
# schedule execution role" ... "The value of aws:SourceArn must be your EventBridge Scheduler schedule
# group ARN to which you want to scope this condition." ... "Do not scope the aws:SourceArn statement to
# a specific schedule or a schedule name prefix. The ARN you specify must be a schedule group."
# moto's Scheduler never assumes the role, so only this test stands between a wrong ARN and a dead fire.
def test_scheduler_role_trusts_scheduler_for_this_accounts_schedule_group_only(terraform):
    role = terraform.resource("aws_iam_role", "scheduler")
    assert terraform.resolve(role["name"]) == "${var.site}-floats-scheduler-invoke-ecs"
    assert role["assume_role_policy"] == "${data.aws_iam_policy_document.scheduler_assume.json}"
    (statement,) = terraform.statements("scheduler_assume")
    assert statement["actions"] == ["sts:AssumeRole"]
    assert single(statement["principals"]) == {"type": "Service", "identifiers": ["scheduler.amazonaws.com"]}
    conditions = {c["variable"]: c for c in statement["condition"]}
    assert set(conditions) == {"aws:SourceAccount", "aws:SourceArn"}
    assert conditions["aws:SourceAccount"]["values"] == ["${data.aws_caller_identity.current.account_id}"]
    source_arn = conditions["aws:SourceArn"]
    assert source_arn["test"] in ("ArnEquals", "ArnLike")
    (group_arn,) = source_arn["values"]
    assert group_arn == arn_prefix("scheduler") + ":schedule-group/default"
    assert ":schedule/" not in group_arn, "a schedule ARN: Scheduler could never assume the role"
    # Every schedule that uses this trust policy is in that group.
    schedule = terraform.resource("aws_scheduler_schedule", "day_before_ach")
    assert terraform.resolve(schedule["group_name"]) == "default"
    policy = terraform.resource("aws_iam_role_policy", "scheduler")
    assert (policy["role"], policy["policy"]) == (
        "${aws_iam_role.scheduler.id}",
        "${data.aws_iam_policy_document.scheduler.json}",
    )


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security_iam_id-based-policy-examples.html
# "The resources for RunTask are task definitions. To limit which clusters a user can run task
# definitions on, you can specify them in the Condition block." (example: "ArnEquals" on "ecs:cluster",
# Resource "task-definition/<task_family>:*"). The schedule names the family without a revision, and
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html: "When a task definition
# revision is not specified, authorization will occur using the latest revision of a task definition."
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html: "If your scheduled tasks
# require the use of the task execution role, a task role, or a task role override, then you must add
# iam:PassRole permissions for each task execution role, task role, or task role override"; its managed
# policy conditions PassRole on "iam:PassedToService": "ecs-tasks.amazonaws.com".
def test_scheduler_role_may_only_run_the_family_on_the_cluster_pass_the_two_roles_and_dead_letter(
    scheduler_grants,
):
    actions = {a for s in scheduler_grants.values() for a in s["actions"]}
    assert actions == {"ecs:RunTask", "iam:PassRole", "sqs:SendMessage"}

    run = scheduler_grants["RunDayBeforeAchOnFloatsCluster"]
    task_definition = arn_prefix("ecs") + f":task-definition/{FAMILY}"
    assert run["resources"] == [task_definition, f"{task_definition}:*"]  # any revision, no other family
    assert single(run["condition"]) == {
        "test": "ArnEquals",
        "variable": "ecs:cluster",
        "values": ["${aws_ecs_cluster.floats.arn}"],
    }

    passing = scheduler_grants["PassTaskRolesToEcs"]
    assert passing["resources"] == [
        "${aws_iam_role.task_execution.arn}",
        "${aws_iam_role.collections_jobs_task.arn}",
    ]
    assert single(passing["condition"]) == {
        "test": "StringEquals",
        "variable": "iam:PassedToService",
        "values": ["ecs-tasks.amazonaws.com"],
    }

    assert scheduler_grants["DeadLetterFailedFires"]["resources"] == ["${aws_sqs_queue.schedule_dlq.arn}"]

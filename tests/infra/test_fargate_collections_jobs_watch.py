"""fargate_collections_jobs_watch.tf: the 19:20 and 20:15 ET deadline watch, its topic, role and dead letters."""

from __future__ import annotations

import json

import pytest

from tests.infra.support import arn_prefix, single

FAMILY = "${var.site}-floats-day-before-ach"


@pytest.fixture(scope="module")
def watch(terraform):
    return terraform.resolve(terraform.resource("aws_scheduler_schedule", "watch"))


# https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
# "specifying a time zone in which EventBridge Scheduler evaluates the expression" and "All schedule
# types on EventBridge Scheduler invoke their targets with 60 second precision".
def test_watch_checks_at_19_20_and_20_15_new_york_on_weekdays(terraform, watch):
    assert terraform.locals["watch_schedules"] == {
        "1920": "cron(20 19 ? * MON-FRI *)",
        "2015": "cron(15 20 ? * MON-FRI *)",
    }
    assert watch["for_each"] == "${local.watch_schedules}"
    assert watch["name"] == f"{FAMILY}-watch-${{each.key}}"
    assert watch["schedule_expression"] == "${each.value}"
    assert watch["schedule_expression_timezone"] == "America/New_York"
    assert single(watch["flexible_time_window"]) == {"mode": "OFF"}
    assert terraform.resolve(watch["group_name"]) == "default"  # the group the trust policy names


# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
# MaximumRetryAttempts "Valid Range: Minimum value of 0." and
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
# "EventBridge Scheduler does not support using a FIFO queue as your schedule's DLQ."
def test_watch_never_retries_and_dead_letters_to_its_own_queue(terraform, watch):
    target = single(watch["target"])
    assert single(target["retry_policy"])["maximum_retry_attempts"] == 0
    assert single(target["dead_letter_config"])["arn"] == "${aws_sqs_queue.watch_dlq.arn}"
    assert "fifo_queue" not in terraform.resource("aws_sqs_queue", "watch_dlq")
    alarm = terraform.resource("aws_cloudwatch_metric_alarm", "watch_dlq")
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.watch_dlq.name}"}
    assert alarm["alarm_actions"] == "${var.dlq_alarm_actions}"


# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_Target.html
# EcsParameters: "The templated target type for the Amazon ECS RunTask API operation." Input: "The
# text, or well-formed JSON, passed to the target." That the ECS templated target hands Input to RunTask
# as its `overrides` is NOT stated in a page found (docs/deploy.md, audit): verify with one fire in test.
def test_watch_runs_the_same_task_definition_with_the_watch_command(terraform, watch):
    target = single(watch["target"])
    ecs = single(target["ecs_parameters"])
    assert ecs["task_definition_arn"] == "${aws_ecs_task_definition.day_before_ach.arn_without_revision}"
    assert (ecs["launch_type"], ecs["task_count"]) == ("FARGATE", 1)
    assert single(ecs["network_configuration"])["assign_public_ip"] is False
    assert target["arn"] == "${aws_ecs_cluster.floats.arn}"
    assert target["role_arn"] == "${aws_iam_role.watch_scheduler.arn}"
    assert terraform.locals["watch_command"] == ["watch", "day-before-ach"]
    overrides = target["input"]
    assert "containerOverrides" in overrides and "local.watch_command" in overrides
    assert '"collections-jobs"' in overrides or "collections-jobs" in overrides
    json.dumps(terraform.locals["watch_command"])  # a plain list, jsonencode-able


# https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
# "The value of aws:SourceArn must be your EventBridge Scheduler schedule group ARN" and
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security_iam_id-based-policy-examples.html
# "The resources for RunTask are task definitions. To limit which clusters a user can run task
# definitions on, you can specify them in the Condition block."
def test_watch_role_is_its_own_scoped_to_the_family_cluster_two_roles_and_its_queue(terraform):
    role = terraform.resource("aws_iam_role", "watch_scheduler")
    assert terraform.resolve(role["name"]) == "${var.site}-floats-scheduler-invoke-watch"
    assert role["assume_role_policy"] == "${data.aws_iam_policy_document.scheduler_assume.json}"
    grants = {s["sid"]: s for s in terraform.statements("watch_scheduler")}
    assert {a for s in grants.values() for a in s["actions"]} == {
        "ecs:RunTask",
        "iam:PassRole",
        "sqs:SendMessage",
    }
    task_definition = arn_prefix("ecs") + f":task-definition/{FAMILY}"
    run = grants["RunDayBeforeAchWatchOnFloatsCluster"]
    assert run["resources"] == [task_definition, f"{task_definition}:*"]
    assert single(run["condition"])["variable"] == "ecs:cluster"
    assert single(grants["PassTaskRolesToEcs"]["condition"])["values"] == ["ecs-tasks.amazonaws.com"]
    assert grants["DeadLetterFailedWatchFires"]["resources"] == ["${aws_sqs_queue.watch_dlq.arn}"]


# https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html (SSE with the AWS managed
# key alias/aws/sns); the container publishes with sns:Publish on the topic ARN only.
def test_watch_pages_one_topic_with_subscriptions_from_a_variable(terraform):
    topic = terraform.resource("aws_sns_topic", "watch_alerts")
    assert terraform.resolve(topic["name"]) == f"{FAMILY}-alerts"
    assert topic["kms_master_key_id"] == "alias/aws/sns"
    subscription = terraform.resource("aws_sns_topic_subscription", "watch_alerts")
    assert subscription["topic_arn"] == "${aws_sns_topic.watch_alerts.arn}"
    assert "var.watch_alert_subscriptions" in subscription["for_each"]
    grants = {s["sid"]: s for s in terraform.statements("collections_jobs_task")}
    assert grants["WatchPublishesAlerts"]["actions"] == ["sns:Publish"]
    assert grants["WatchPublishesAlerts"]["resources"] == ["${aws_sns_topic.watch_alerts.arn}"]

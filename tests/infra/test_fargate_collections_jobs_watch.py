"""fargate_collections_jobs_watch.tf: the 19:20 and 20:15 ET deadline watch, its topic, role and dead letters."""

from __future__ import annotations

import pytest

from tests.infra.support import arn_prefix, single

FAMILY = "${var.site}-floats-day-before-ach"
WATCH_FAMILY = f"{FAMILY}-watch"


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


# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_Target.html EcsParameters: "The templated
# target type for the Amazon ECS RunTask API operation." Input: "The text, or well-formed JSON, passed to
# the target. If you are configuring a templated Lambda, AWS Step Functions, or Amazon EventBridge
# target, the input must be a well-formed JSON. For all other target types, a JSON is not required."
# Nothing says an ECS target turns Input into RunTask `overrides` (docs/deploy.md, audit), so the watch
# passes no Input: its command lives in its own task definition family, the batch's containers otherwise.
def test_watch_schedules_start_the_watch_family_whose_app_runs_the_watch_command(terraform, watch):
    target = single(watch["target"])
    assert "input" not in target
    ecs = single(target["ecs_parameters"])
    assert (
        ecs["task_definition_arn"] == "${aws_ecs_task_definition.day_before_ach_watch.arn_without_revision}"
    )
    assert (ecs["launch_type"], ecs["task_count"]) == ("FARGATE", 1)
    assert single(ecs["network_configuration"])["assign_public_ip"] is False
    assert target["arn"] == "${aws_ecs_cluster.floats.arn}"
    assert target["role_arn"] == "${aws_iam_role.watch_scheduler.arn}"
    family = terraform.resolve(terraform.resource("aws_ecs_task_definition", "day_before_ach_watch"))
    assert family["family"] == WATCH_FAMILY
    assert family["container_definitions"] == "${jsonencode(local.watch_container_definitions)}"
    assert terraform.locals["watch_command"] == ["watch", "day-before-ach"]
    assert terraform.locals["watch_container_definitions"] == (
        "${[for container in local.container_definitions : "
        'container.name == "collections-jobs" ? merge(container, {command = local.watch_command}) : container]}'
    )


# The watch task is the batch's task but for its command: same shape, roles, volumes and platform.
def test_watch_family_is_the_batch_task_definition_but_for_its_name_and_containers(terraform):
    batch = terraform.resource("aws_ecs_task_definition", "day_before_ach")
    watch = terraform.resource("aws_ecs_task_definition", "day_before_ach_watch")
    differ = {k for k in batch.keys() | watch.keys() if batch.get(k) != watch.get(k)}
    assert differ == {"family", "container_definitions"}


# jobs/oncall/facts.py lists the running tasks of the batch family (settings.task_family) as "tonight's
# run in progress": the watch's own task must never be one of them. ECS ListTasks' family filter names a
# whole family (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html family: "The
# name of the task definition family to use when filtering the ListTasks results. Specifying a family
# limits the results to tasks that belong to that family."), so a <family>-watch task is not listed.
def test_the_batch_family_the_code_watches_is_not_the_watch_family(terraform):
    from jobs.settings import Settings

    batch = terraform.resolve(terraform.resource("aws_ecs_task_definition", "day_before_ach"))["family"]
    assert batch == FAMILY != WATCH_FAMILY
    settings = Settings.load({}, env="prod")
    assert settings.task_family == FAMILY.replace("${var.site}", "prod")
    env = {
        e["name"]: e["value"]
        for e in terraform.locals["container_settings"]["collections-jobs"]["environment"]
    }
    assert "FLOATCTL_TASK_FAMILY" not in env  # the watch looks at the batch family's default, never its own


# https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
# "The value of aws:SourceArn must be your EventBridge Scheduler schedule group ARN" and
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security_iam_id-based-policy-examples.html
# "The resources for RunTask are task definitions. To limit which clusters a user can run task
# definitions on, you can specify them in the Condition block."
def test_watch_role_is_its_own_scoped_to_the_watch_family_cluster_two_roles_and_its_queue(terraform):
    role = terraform.resource("aws_iam_role", "watch_scheduler")
    assert terraform.resolve(role["name"]) == "${var.site}-floats-scheduler-invoke-watch"
    assert role["assume_role_policy"] == "${data.aws_iam_policy_document.scheduler_assume.json}"
    grants = terraform.by_sid("watch_scheduler")
    assert {a for s in grants.values() for a in s["actions"]} == {
        "ecs:RunTask",
        "iam:PassRole",
        "sqs:SendMessage",
    }
    task_definition = arn_prefix("ecs") + f":task-definition/{WATCH_FAMILY}"
    run = grants["RunDayBeforeAchWatchOnFloatsCluster"]
    assert run["resources"] == [task_definition, f"{task_definition}:*"]  # never the batch family
    assert single(run["condition"])["variable"] == "ecs:cluster"
    assert single(grants["PassTaskRolesToEcs"]["condition"])["values"] == ["ecs-tasks.amazonaws.com"]
    assert grants["DeadLetterFailedWatchFires"]["resources"] == ["${aws_sqs_queue.watch_dlq.arn}"]


# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html "Several AWS services publish events
# to Amazon SNS topics. To allow these event sources to work with encrypted topics, you must perform the
# following steps. 1. Use a customer managed KMS." (then a key policy granting the service
# kms:GenerateDataKey* and kms:Decrypt). Our topics use the AWS managed key alias/aws/sns, whose policy we
# cannot change, so only principals of this account publish (the task role, sns:Publish) and no CloudWatch
# alarm may name them: the alarms page var.dlq_alarm_actions (docs/deploy.md).
def test_watch_pages_one_topic_with_subscriptions_from_a_variable(terraform, task_role_grants):
    topic = terraform.resource("aws_sns_topic", "watch_alerts")
    assert terraform.resolve(topic["name"]) == f"{FAMILY}-alerts"
    assert topic["kms_master_key_id"] == "alias/aws/sns"
    subscription = terraform.resource("aws_sns_topic_subscription", "watch_alerts")
    assert subscription["topic_arn"] == "${aws_sns_topic.watch_alerts.arn}"
    assert "var.watch_alert_subscriptions" in subscription["for_each"]
    assert task_role_grants["WatchPublishesAlerts"] == (
        {"sns:Publish"},
        ["${aws_sns_topic.watch_alerts.arn}"],
    )


def test_no_alarm_publishes_to_a_topic_encrypted_with_the_aws_managed_key(terraform):
    managed = {
        name
        for _, type_, name, body in terraform.blocks("resource")
        if type_ == "aws_sns_topic" and body.get("kms_master_key_id") == "alias/aws/sns"
    }
    assert managed >= {"watch_alerts", "finance_summary"}
    for alarm in terraform.resources_of("aws_cloudwatch_metric_alarm"):
        for field in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
            actions = str(alarm.get(field, ""))
            assert not [t for t in managed if f"aws_sns_topic.{t}." in actions], (alarm["alarm_name"], field)

# The deadline watch: at 19:20 and 20:15 America/New_York on weekdays, EventBridge Scheduler starts the
# <site>-floats-day-before-ach-watch task definition (the batch's image and containers, the command
# `watch day-before-ach`), which pages the alert topic once per night when tonight's run is missing,
# died, or is projected past the 21:00 ET cutoff (issue 15; docs/deploy.md "The deadline watch").
# Its own task definition family, Scheduler role and dead-letter queue.

locals {
  watch_name        = "${local.task_family}-watch"
  watch_task_family = local.watch_name
  watch_command     = ["watch", "day-before-ach"]
  # The batch's containers with the watch command on the app container: the command is baked into the
  # family, so no schedule has to pass it (docs/deploy.md: how Scheduler's ECS target treats Input is
  # not documented) and the batch family's tasks never include a watch (jobs/oncall/facts.py).
  watch_container_definitions = [
    for container in local.container_definitions :
    container.name == "collections-jobs" ? merge(container, { command = local.watch_command }) : container
  ]
  # One schedule per check; the key ends each schedule's name (<family>-watch-1920, -watch-2015).
  watch_schedules = {
    "1920" = "cron(20 19 ? * MON-FRI *)"
    "2015" = "cron(15 20 ? * MON-FRI *)"
  }
}

# Only the task role publishes here. Encrypted with the AWS managed key, so no AWS service (CloudWatch
# alarms among them) can publish to it: that needs a customer managed key whose policy grants the
# service (docs/deploy.md "The deadline watch"). The DLQ alarms page var.dlq_alarm_actions instead.
resource "aws_sns_topic" "watch_alerts" {
  name              = "${local.task_family}-alerts"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "watch_alerts" {
  for_each  = { for s in var.watch_alert_subscriptions : "${s.protocol}:${s.endpoint}" => s }
  topic_arn = aws_sns_topic.watch_alerts.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

resource "aws_ecs_task_definition" "day_before_ach_watch" {
  family                   = local.watch_task_family
  network_mode             = local.task_shape.networkMode
  requires_compatibilities = local.task_shape.requiresCompatibilities
  cpu                      = local.task_shape.cpu
  memory                   = local.task_shape.memory
  execution_role_arn       = aws_iam_role.task_execution.arn
  task_role_arn            = aws_iam_role.collections_jobs_task.arn
  container_definitions    = jsonencode(local.watch_container_definitions)

  dynamic "volume" {
    for_each = local.task_shape.volumes
    content {
      name = volume.value.name
    }
  }

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
}

resource "aws_sqs_queue" "watch_dlq" {
  name                      = "${local.watch_name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_scheduler_schedule" "watch" {
  #checkov:skip=CKV_AWS_297:The schedule stores only ARNs, subnet and security-group IDs and the watch command, no data worth a customer managed key; the AWS-owned key encrypts it.
  for_each    = local.watch_schedules
  name        = "${local.watch_name}-${each.key}"
  group_name  = local.schedule_group
  description = "day-before-ach deadline watch at ${each.key} New York: pages ${aws_sns_topic.watch_alerts.name} once if tonight's run is missing, died or will miss 21:00 ET. Never retried."

  schedule_expression          = each.value
  schedule_expression_timezone = "America/New_York"
  state                        = "ENABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.floats.arn
    role_arn = aws_iam_role.watch_scheduler.arn

    retry_policy {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 600
    }

    dead_letter_config {
      arn = aws_sqs_queue.watch_dlq.arn
    }

    ecs_parameters {
      task_definition_arn = aws_ecs_task_definition.day_before_ach_watch.arn_without_revision
      task_count          = 1
      launch_type         = "FARGATE"
      platform_version    = "LATEST"

      network_configuration {
        subnets          = var.private_subnet_ids
        security_groups  = [data.aws_security_group.private.id]
        assign_public_ip = false
      }
    }
  }
}

resource "aws_iam_role" "watch_scheduler" {
  name               = "${local.name}-scheduler-invoke-watch"
  description        = "Assumed by EventBridge Scheduler to start the ${local.watch_name} checks on ${local.name}."
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "watch_scheduler" {
  statement {
    sid     = "RunDayBeforeAchWatchOnFloatsCluster"
    actions = ["ecs:RunTask"]
    # The watch family only (any revision): this role can never start the batch.
    resources = [
      "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/${local.watch_task_family}",
      "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/${local.watch_task_family}:*",
    ]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.floats.arn]
    }
  }

  statement {
    sid       = "PassTaskRolesToEcs"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.task_execution.arn, aws_iam_role.collections_jobs_task.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "DeadLetterFailedWatchFires"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.watch_dlq.arn]
  }
}

resource "aws_iam_role_policy" "watch_scheduler" {
  name   = "${local.name}-scheduler-invoke-watch"
  role   = aws_iam_role.watch_scheduler.id
  policy = data.aws_iam_policy_document.watch_scheduler.json
}

# A watch that could not start is itself a page: the batch might be failing unseen.
resource "aws_cloudwatch_metric_alarm" "watch_dlq" {
  alarm_name          = "${local.watch_name}-fire-not-started"
  alarm_description   = "A ${local.watch_name} check could not start (dead-letter message): nobody is watching tonight's day-before-ach. Check it by hand: floatctl --env ${var.site} status (docs/runbooks/missed-fire.md)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.watch_dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.dlq_alarm_actions
  ok_actions          = var.dlq_alarm_actions
}

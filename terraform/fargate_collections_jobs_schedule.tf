# The weekday 19:00 America/New_York fire of <site>-floats-day-before-ach, the role Scheduler uses to
# start it, and the dead-letter queue + alarm that page on-call when a fire could not start.

locals {
  schedule_group = "default"
  schedule_name  = local.task_family
  # What EventBridge Scheduler puts in aws:SourceArn when it assumes a schedule's role.
  schedule_group_arn = "arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule-group/${local.schedule_group}"
}

resource "aws_sqs_queue" "schedule_dlq" {
  name                      = "${local.schedule_name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the longest SQS keeps a message
  sqs_managed_sse_enabled   = true
}

resource "aws_scheduler_schedule" "day_before_ach" {
  #checkov:skip=CKV_AWS_297:The schedule stores only ARNs, subnet and security-group IDs, no data worth a customer managed key; the AWS-owned key encrypts it, and a CMK would add a key and kms:Decrypt grants to the scheduler role for nothing.
  name        = local.schedule_name
  group_name  = local.schedule_group
  description = "day-before-ach: weekdays 19:00 New York, two hours before the 21:00 ET ACH cutoff. Never retried: a missed fire is relaunched by a person (docs/runbooks/missed-fire.md)."

  schedule_expression          = "cron(0 19 ? * MON-FRI *)"
  schedule_expression_timezone = "America/New_York"
  state                        = "ENABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.floats.arn
    role_arn = aws_iam_role.scheduler.arn

    # No automatic retry: the AWS default (185 over 24 h) could start the batch hours late or twice.
    retry_policy {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = aws_sqs_queue.schedule_dlq.arn
    }

    ecs_parameters {
      # The family ARN without a revision: the latest ACTIVE revision, i.e. the one the same apply registered.
      task_definition_arn = aws_ecs_task_definition.day_before_ach.arn_without_revision
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

data "aws_security_group" "private" {
  vpc_id = var.vpc_id
  name   = var.private_security_group_name
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    sid     = "SchedulerOfThisAccount"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    # Scheduler sets aws:SourceArn to the schedule GROUP, never to a schedule: scoped to a schedule
    # ARN, Scheduler could not assume the role and every fire (and its dead letter) would fail.
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.schedule_group_arn]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler-invoke-ecs"
  description        = "Assumed by EventBridge Scheduler to start ${local.task_family} on ${local.name}."
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid     = "RunDayBeforeAchOnFloatsCluster"
    actions = ["ecs:RunTask"]
    # Any revision of the family, asked for with or without a revision.
    resources = [
      "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/${local.task_family}",
      "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/${local.task_family}:*",
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
    sid       = "DeadLetterFailedFires"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.schedule_dlq.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${local.name}-scheduler-invoke-ecs"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

# Any message in the dead-letter queue is a fire that did not start a task: page before 20:00 ET.
resource "aws_cloudwatch_metric_alarm" "schedule_dlq" {
  alarm_name          = "${local.schedule_name}-fire-not-started"
  alarm_description   = "The ${local.schedule_name} schedule could not start its task (dead-letter message). Relaunch before the 21:00 ET cutoff: floatctl --env ${var.site} launch day-before-ach --wait (docs/runbooks/missed-fire.md)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.schedule_dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.dlq_alarm_actions
  ok_actions          = var.dlq_alarm_actions
}

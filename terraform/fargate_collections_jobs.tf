# The collections-jobs task: its role (exactly the grants the batch and the deadline watch call) and the
# <site>-floats-day-before-ach task definition with the FireLens and Datadog Agent sidecars.

locals {
  task_family = "${local.name}-day-before-ach"

  locks_table_name              = coalesce(var.locks_table_name, "${local.name}-locks")
  collection_history_table_name = coalesce(var.collection_history_table_name, "${local.name}-collection-history")
  rds_main_secret_name          = coalesce(var.rds_main_secret_name, "${var.site}/floats/rds/main")
  rds_replica_secret_name       = coalesce(var.rds_replica_secret_name, "${var.site}/floats/rds/replica")

  dynamodb_table_arn_prefix = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table"
  locks_table_arn           = "${local.dynamodb_table_arn_prefix}/${local.locks_table_name}"
  history_table_arn         = "${local.dynamodb_table_arn_prefix}/${local.collection_history_table_name}"
  execute_api_arn_prefix    = "arn:${local.partition}:execute-api:${local.region}:${local.account_id}"

  # ECS reads the Datadog API key (JSON field api_key) at container start.
  datadog_api_key_from = "${data.aws_secretsmanager_secret.datadog.arn}:api_key::"

  # The task's shape (sizes, stopTimeout, read-only root + /tmp volume, dependsOn, health check) lives
  # in collections_jobs_task.json, which the sandbox registers too: one source (docs/deploy.md).
  task_shape = jsondecode(file("${path.module}/collections_jobs_task.json"))

  # What each container adds to its shape in this environment; merged over it, key by key.
  container_settings = {
    "collections-jobs" = {
      image = "${aws_ecr_repository.collections_jobs.repository_url}:${var.service_version}"
      environment = [
        { name = "FLOATCTL_ENV", value = var.site },
        { name = "FLOATCTL_STARTED_BY", value = "schedule" },
        { name = "FLOATCTL_CLUSTER", value = aws_ecs_cluster.floats.name },
        { name = "FLOATCTL_LOCKS_TABLE", value = local.locks_table_name },
        { name = "FLOATCTL_HISTORY_TABLE", value = local.collection_history_table_name },
        { name = "FLOATCTL_MAIN_SECRET", value = local.rds_main_secret_name },
        { name = "FLOATCTL_REPLICA_SECRET", value = local.rds_replica_secret_name },
        { name = "FLOATCTL_ALERT_TOPIC_ARN", value = aws_sns_topic.watch_alerts.arn },
        { name = "FLOATCTL_FINANCE_TOPIC_ARN", value = aws_sns_topic.finance_summary.arn },
        { name = "FLOATCTL_PREVIEW_BUCKET", value = aws_s3_bucket.signed_off_previews.id },
        { name = "PAYMENTS_API_URL", value = var.payments_api.url },
        { name = "USERS_API_URL", value = var.users_api.url },
        { name = "AWS_REGION", value = local.region },
        { name = "DD_AGENT_HOST", value = "localhost" },
        { name = "DD_TRACE_AGENT_PORT", value = "8126" },
        { name = "DD_DOGSTATSD_PORT", value = "8125" },
        { name = "DD_SERVICE", value = "collections-jobs" },
        { name = "DD_ENV", value = var.site },
        { name = "DD_VERSION", value = var.service_version },
        { name = "DD_TRACE_ENABLED", value = "true" },
      ]
      logConfiguration = {
        logDriver = "awsfirelens"
        options = {
          Name       = "datadog"
          Host       = "http-intake.logs.${var.datadog_site}"
          TLS        = "on"
          compress   = "gzip"
          dd_service = "collections-jobs"
          dd_source  = "python"
          dd_tags    = "env:${var.site},application:floats"
          provider   = "ecs"
        }
        secretOptions = [
          { name = "apikey", valueFrom = local.datadog_api_key_from },
        ]
      }
    }
    "log-router" = {}
    "datadog-agent" = {
      environment = [
        { name = "ECS_FARGATE", value = "true" },
        { name = "DD_SITE", value = var.datadog_site },
        { name = "DD_APM_ENABLED", value = "true" },
        { name = "DD_APM_NON_LOCAL_TRAFFIC", value = "true" },
        { name = "DD_DOGSTATSD_NON_LOCAL_TRAFFIC", value = "true" },
        { name = "DD_ENV", value = var.site },
      ]
      secrets = [
        { name = "DD_API_KEY", valueFrom = local.datadog_api_key_from },
      ]
    }
  }

  container_definitions = [
    for container in local.task_shape.containerDefinitions : merge(container, local.container_settings[container.name])
  ]
}

data "aws_secretsmanager_secret" "rds_main" {
  name = local.rds_main_secret_name
}

data "aws_secretsmanager_secret" "rds_replica" {
  name = local.rds_replica_secret_name
}

# Exactly what the container's code calls (tests/infra/test_role_grants.py derives it from jobs/ and
# checks this policy and `floatctl preflight` against it; the sources are in docs/deploy.md "Audit").
data "aws_iam_policy_document" "collections_jobs_task" {
  statement {
    sid       = "ReadRdsSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [data.aws_secretsmanager_secret.rds_main.arn, data.aws_secretsmanager_secret.rds_replica.arn]
  }

  # BatchGetSecretValue (one call for both secrets) has no resource-level permissions; what it returns is
  # still limited, secret by secret, to the GetSecretValue grant above.
  statement {
    sid       = "BatchReadRdsSecrets"
    actions   = ["secretsmanager:BatchGetSecretValue"]
    resources = ["*"]
  }

  # Run records, float events and audit events: written and queried (also by run and by user, the two
  # indexes), never read or changed one by one.
  statement {
    sid       = "WriteCollectionHistory"
    actions   = ["dynamodb:PutItem"]
    resources = [local.history_table_arn]
  }

  statement {
    sid       = "QueryCollectionHistory"
    actions   = ["dynamodb:Query"]
    resources = [local.history_table_arn, "${local.history_table_arn}/index/*"]
  }

  # The deadline watch's one-page-per-night record (jobs/adapters/sns.py PageLedger): read, confirmed and
  # released item by item, and only under its own partition key watch#<run date> (jobs/domain/keys.py).
  statement {
    sid       = "WatchPageLedger"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [local.history_table_arn]

    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["watch#*"]
    }
  }

  statement {
    sid       = "UseLocks"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:DeleteItem"]
    resources = [local.locks_table_arn]
  }

  # Beyond the seed's list, on purpose: a lock whose owner task has STOPPED counts as free
  # (docs/data-contracts.md, DynamoDB locks: Acquire), and only DescribeTasks can prove it.
  # Read-only, and only for this cluster's tasks.
  statement {
    sid       = "SeeLockOwnerTasks"
    actions   = ["ecs:DescribeTasks"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${aws_ecs_cluster.floats.name}/*"]
  }

  # The deadline watch (its own task definition family, same role: fargate_collections_jobs_watch.tf)
  # reads tonight's fire and tasks like `floatctl recover`, and publishes at most one page to its topic.
  statement {
    sid       = "WatchPublishesAlerts"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.watch_alerts.arn]
  }

  statement {
    sid       = "WatchReadsTheSchedule"
    actions   = ["scheduler:GetSchedule"]
    resources = [aws_scheduler_schedule.day_before_ach.arn]
  }

  # jobs/adapters/sqs.py: GetQueueUrl from the DLQ's ARN, then ReceiveMessage with VisibilityTimeout 0.
  statement {
    sid       = "WatchReadsFailedFires"
    actions   = ["sqs:GetQueueUrl", "sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.schedule_dlq.arn]
  }

  statement {
    sid       = "WatchListsTasks"
    actions   = ["ecs:ListTasks"]
    resources = ["*"] # as AWS's own "list tasks for a specified cluster" example: the condition scopes it

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.floats.arn]
    }
  }

  statement {
    sid     = "InvokePaymentsAndUsers"
    actions = ["execute-api:Invoke"]
    resources = [
      "${local.execute_api_arn_prefix}:${var.payments_api.id}/${var.payments_api.stage}/*",
      "${local.execute_api_arn_prefix}:${var.users_api.id}/${var.users_api.stage}/*",
    ]
  }
}

resource "aws_iam_role" "collections_jobs_task" {
  name               = "${local.name}-collections-jobs-task"
  description        = "Task role of the collections-jobs container (${local.task_family})."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "collections_jobs_task" {
  name   = "${local.name}-collections-jobs-task"
  role   = aws_iam_role.collections_jobs_task.id
  policy = data.aws_iam_policy_document.collections_jobs_task.json
}

resource "aws_ecs_task_definition" "day_before_ach" {
  family                   = local.task_family
  network_mode             = local.task_shape.networkMode
  requires_compatibilities = local.task_shape.requiresCompatibilities
  cpu                      = local.task_shape.cpu
  memory                   = local.task_shape.memory
  execution_role_arn       = aws_iam_role.task_execution.arn
  task_role_arn            = aws_iam_role.collections_jobs_task.arn
  container_definitions    = jsonencode(local.container_definitions)

  # The app's /tmp: task storage, writable, while its root file system is read-only.
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
